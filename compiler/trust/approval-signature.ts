import { sign, verify, type KeyObject } from 'node:crypto';
import { isScalar, parseDocument } from 'yaml';
import type { RegisteredApprover } from '../format/approver-registry.ts';
import type { Approval } from '../format/notice-schema.ts';
import { quoteFreeTextFields } from '../io/read-notices.ts';
import type { ApprovalCheck } from '../plan/approval-check.ts';
import { keyId, sha256Hex } from './station-key.ts';

// Verifiable approval (issue 5, item 7). An approver signs what they approved, so the
// compiler can tell an approved notice from one edited afterwards.
//
// What is signed, exactly:
//
//   1. The notice file's text: UTF-8 decoded, a leading byte-order mark dropped, line ends
//      made "\n", normalised to Unicode NFC ("approval content text").
//   2. In that text, the value of the front matter's approval.signature (the signature
//      itself) is replaced by the two characters `""`. Nothing else is touched: an edit
//      anywhere else — title, body, dates, targets, the approval's own by/role/at/approver,
//      even a comment or a space — changes the text. (A front matter that only parses after
//      quoting an unquoted title containing ": " is read with that title quoted, as the
//      compiler reads it.)
//   3. The message signed with Ed25519 is the UTF-8 of
//
//        signage approval v1\n
//        notice <sha256 hex of the text of step 2>\n
//        image <sha256 hex of the picture file's bytes>\n     (one line per images[] entry, in order)
//
//      so swapping a picture after approval breaks the approval too.
//
// The signature is written into the front matter as approval.signature:
// "ed25519:<key id>:<base64 of the 64-byte signature>".

const FRONT_MATTER = /^---[ \t]*\n([\s\S]*?)\n---[ \t]*(?:\n|$)/;

/** Steps 1 and 2 above: the text an approval signature covers. */
export function approvalContentText(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').normalize('NFC');
  const match = FRONT_MATTER.exec(text);
  if (!match) return text;
  const yamlStart = match[0].indexOf('\n') + 1;
  const yamlEnd = yamlStart + match[1]!.length;
  let yamlText = match[1]!;
  let document = parseDocument(yamlText, { uniqueKeys: true });
  if (document.errors.length > 0) {
    yamlText = quoteFreeTextFields(yamlText).text;
    document = parseDocument(yamlText, { uniqueKeys: true });
  }
  const node = document.getIn(['approval', 'signature'], true);
  const blanked = isScalar(node) && node.range ? `${yamlText.slice(0, node.range[0])}""${yamlText.slice(node.range[1])}` : yamlText;
  return `${text.slice(0, yamlStart)}${blanked}${text.slice(yamlEnd)}`;
}

/** Step 3: the bytes the approver's key signs. */
export function approvalMessage(options: { bytes: Uint8Array; imageHashes: readonly string[] }): Buffer {
  const lines = ['signage approval v1', `notice ${sha256Hex(approvalContentText(options.bytes))}`, ...options.imageHashes.map((hash) => `image ${hash}`)];
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

export function signApproval(options: { bytes: Uint8Array; imageHashes: readonly string[]; privateKey: KeyObject; publicKey: KeyObject }): string {
  const signature = sign(null, approvalMessage(options), options.privateKey).toString('base64');
  return `ed25519:${keyId(options.publicKey)}:${signature}`;
}

/** An approver of the registry with their public key loaded. */
export interface ApproverKey {
  readonly approver: RegisteredApprover;
  readonly publicKey: KeyObject;
}

/**
 * Checks one notice's approval. Without a registry every approval block is taken on trust
 * ("unverified", which the report warns about); with one, only a signature by a registered
 * approver over the notice's current content counts.
 */
export function checkApproval(options: {
  file: string;
  bytes: Uint8Array;
  approval: Approval;
  imageHashes: readonly string[];
  registry: ReadonlyMap<string, ApproverKey> | undefined;
  registryFile?: string | undefined;
}): ApprovalCheck {
  const { approval, file, registry } = options;
  if (!registry) return { status: 'unverified' };
  const approveHint = (id: string) => `run "signage approve ${file} --as ${id} --key ${id}.key"`;
  if (!approval.approver || !approval.signature) {
    return {
      status: 'refused',
      code: 'APPROVAL_UNSIGNED',
      field: approval.approver ? 'approval.signature' : 'approval.approver',
      reason: `approval by ${approval.by} is not signed, and this station requires signed approvals (approver registry${options.registryFile ? ` ${options.registryFile}` : ''}): ${approveHint('APPROVER-ID')} with a registered approver's key`,
    };
  }
  const entry = registry.get(approval.approver);
  if (!entry) {
    return {
      status: 'refused',
      code: 'APPROVAL_UNKNOWN_APPROVER',
      field: 'approval.approver',
      reason: `approver "${approval.approver}" is not in the approver registry${options.registryFile ? ` ${options.registryFile}` : ''}; add them with "signage approver add ${approval.approver} --name … --role …", or have a registered approver ${approveHint('APPROVER-ID')}`,
    };
  }
  const [, signedKeyId, signature] = approval.signature.split(':') as [string, string, string];
  if (signedKeyId !== entry.approver.keyId) {
    return {
      status: 'refused',
      code: 'APPROVAL_WRONG_KEY',
      field: 'approval.signature',
      reason: `the approval was signed with key ${signedKeyId}, which is not ${approval.approver}'s registered key (${entry.approver.keyId}): ${approveHint(approval.approver)} with ${approval.approver}'s own key`,
    };
  }
  const raw = Buffer.from(signature, 'base64');
  const good = raw.length === 64 && verify(null, approvalMessage(options), entry.publicKey, raw);
  if (!good) {
    return {
      status: 'refused',
      code: 'APPROVAL_CONTENT_CHANGED',
      field: 'approval.signature',
      reason: `edited after approval: the text or a picture is not what ${approval.approver} approved at ${approval.at}; have it checked again and ${approveHint(approval.approver)}`,
    };
  }
  return { status: 'verified', approver: approval.approver };
}
