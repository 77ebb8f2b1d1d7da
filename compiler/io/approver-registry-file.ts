import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { approverRegistrySchema, type ApproverRegistry } from '../format/approver-registry.ts';
import { CompileFailure } from '../plan/compile-problem.ts';
import type { ApproverKey } from '../trust/approval-signature.ts';
import { keyId, loadPublicKey } from '../trust/station-key.ts';
import { writeFileAtomic } from './write-output.ts';
import { readYamlFile } from './yaml-file.ts';

// The approver registry on disk (format: compiler/format/approver-registry.ts).

export async function readApproverRegistry(file: string, options: { missingIsEmpty?: boolean } = {}): Promise<ApproverRegistry> {
  return readYamlFile({
    file,
    schema: approverRegistrySchema,
    code: 'APPROVERS',
    what: 'approver registry',
    ...(options.missingIsEmpty ? { missing: () => ({ approvers: [] }) } : {}),
  });
}

/** The registry with every public key loaded and checked against its recorded key id. */
export async function loadApproverKeys(file: string): Promise<Map<string, ApproverKey>> {
  const registry = await readApproverRegistry(file);
  const keys = new Map<string, ApproverKey>();
  for (const [index, approver] of registry.approvers.entries()) {
    let publicKey;
    try {
      publicKey = loadPublicKey(approver.publicKey);
    } catch (error) {
      throw new CompileFailure([{ severity: 'error', code: 'APPROVERS_FIELD', file, field: `approvers[${index}].publicKey`, message: `not a usable Ed25519 public key (${(error as Error).message}); register the approver again with "signage approver add"` }]);
    }
    if (keyId(publicKey) !== approver.keyId) {
      throw new CompileFailure([{ severity: 'error', code: 'APPROVERS_FIELD', file, field: `approvers[${index}].keyId`, message: `keyId ${approver.keyId} does not match the public key (${keyId(publicKey)}); the entry was edited by hand: register the approver again` }]);
    }
    keys.set(approver.id, { approver, publicKey });
  }
  return keys;
}

const HEADER = '# Approvers whose signed approvals this station accepts.\n# Written by "signage approver add"; format: compiler/format/approver-registry.ts.\n';

export async function writeApproverRegistry(file: string, registry: ApproverRegistry): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, `${HEADER}${stringify(registry, { lineWidth: 0 })}`);
}
