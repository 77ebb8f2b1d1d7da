import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../format/canonical-json.ts';
import { EMERGENCY_STATEMENT_VERSION, emergencyStatementSchema, type EmergencyStatement } from '../cap/emergency-statement.ts';
import { parseSignature } from './verify-bundle.ts';
import { sha256Hex, signBytes, verifyBytes, type DetachedSignature } from './station-key.ts';

// Signing and checking emergency statements (compiler/cap/emergency-statement.ts). The bytes
// signed are the statement's canonical JSON; the signature is the same detached record as a
// bundle's manifest.sig. The statement id is the sha256 of those bytes, as a bundle id is.

export interface SignedStatement {
  readonly id: string;
  readonly bytes: Buffer;
  readonly signature: Buffer;
}

export function signStatement(statement: EmergencyStatement, privateKey: KeyObject): SignedStatement {
  const bytes = Buffer.from(canonicalJson(statement), 'utf8');
  const signature: DetachedSignature = signBytes(bytes, privateKey);
  return { id: sha256Hex(bytes), bytes, signature: Buffer.from(canonicalJson(signature), 'utf8') };
}

export type StatementRefusalCode = 'EMERGENCY_SIGNATURE_INVALID' | 'EMERGENCY_STATEMENT_INVALID' | 'EMERGENCY_SCHEMA_TOO_NEW' | 'EMERGENCY_WRONG_SCREEN';

export class StatementRefusedError extends Error {
  override readonly name = 'StatementRefusedError';
  constructor(
    readonly code: StatementRefusalCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Checks signature, schema and screen; returns the statement and its id, or throws StatementRefusedError. */
export function verifyStatement(options: { bytes: Uint8Array; signature: Uint8Array; publicKey: KeyObject; screenId: string }): { id: string; statement: EmergencyStatement } {
  let signature: DetachedSignature;
  try {
    signature = parseSignature(options.signature, 'the emergency statement');
  } catch (error) {
    throw new StatementRefusedError('EMERGENCY_SIGNATURE_INVALID', (error as Error).message);
  }
  if (!verifyBytes(options.bytes, signature, options.publicKey)) {
    throw new StatementRefusedError('EMERGENCY_SIGNATURE_INVALID', `the statement is not signed by the pinned station key (signed by key ${signature.keyId}, or altered after signing); it is not shown`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(options.bytes).toString('utf8'));
  } catch {
    throw new StatementRefusedError('EMERGENCY_STATEMENT_INVALID', 'the statement is not JSON');
  }
  const version = (raw as { schemaVersion?: unknown })?.schemaVersion;
  if (typeof version === 'number' && version > EMERGENCY_STATEMENT_VERSION) {
    throw new StatementRefusedError('EMERGENCY_SCHEMA_TOO_NEW', `the statement has schema version ${version}; this software reads up to ${EMERGENCY_STATEMENT_VERSION}. Update the player.`);
  }
  const parsed = emergencyStatementSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StatementRefusedError('EMERGENCY_STATEMENT_INVALID', `statement field ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  if (parsed.data.screen !== options.screenId) {
    throw new StatementRefusedError('EMERGENCY_WRONG_SCREEN', `the statement is for screen ${parsed.data.screen}, not ${options.screenId}`);
  }
  return { id: sha256Hex(options.bytes), statement: parsed.data };
}
