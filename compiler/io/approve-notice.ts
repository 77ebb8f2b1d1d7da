import { readFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { RegisteredApprover } from '../format/approver-registry.ts';
import type { Approval } from '../format/notice-schema.ts';
import { VIETNAM_OFFSET_MS } from '../format/vietnam-time.ts';
import { CompileFailure } from '../plan/compile-problem.ts';
import { approvalContentText, checkApproval, signApproval } from '../trust/approval-signature.ts';
import { keyId } from '../trust/station-key.ts';
import { parseNoticeText, readNoticeFile } from './read-notices.ts';
import { writeFileAtomic } from './write-output.ts';

// `signage approve FILE --as ID --key FILE`: writes a signed approval into a notice's front
// matter. The notice must compile as it stands (an approver signs what the screens will show,
// not a file with errors), and the file is rewritten atomically with only its approval block
// replaced; the rest of the text is kept, normalised to NFC with "\n" line ends (the form the
// signature covers anyway).

export function vietnamInstant(epochMs: number): string {
  return `${new Date(epochMs + VIETNAM_OFFSET_MS).toISOString().slice(0, 19)}+07:00`;
}

const FRONT_MATTER = /^---[ \t]*\n([\s\S]*?)\n---[ \t]*(?:\n|$)/;
const PLACEHOLDER = 'signature: ""';

/** The front matter's lines without its top-level `approval:` entry (and that entry's indented continuation lines). */
function withoutApproval(yamlText: string): string[] {
  const lines = yamlText.split('\n');
  const kept: string[] = [];
  let skipping = false;
  for (const line of lines) {
    if (/^approval[ \t]*:/.test(line)) {
      skipping = true;
      continue;
    }
    if (skipping && /^[ \t]+\S/.test(line)) continue;
    skipping = false;
    kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  return kept;
}

/** The notice text with its approval replaced by `approval` (signature written as the placeholder ""). */
export function replaceApprovalBlock(text: string, approval: Omit<Approval, 'signature'>): { text: string; placeholderAt: number } | undefined {
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').normalize('NFC');
  const match = FRONT_MATTER.exec(normalised);
  if (!match) return undefined;
  const head = match[0].slice(0, match[0].indexOf('\n') + 1);
  const tail = normalised.slice(match[0].length);
  const block = [
    'approval:',
    `  by: ${JSON.stringify(approval.by)}`,
    `  role: ${JSON.stringify(approval.role)}`,
    `  at: ${JSON.stringify(approval.at)}`,
    ...(approval.approver ? [`  approver: ${approval.approver}`] : []),
    `  ${PLACEHOLDER}`,
  ];
  const front = [...withoutApproval(match[1]!), ...block].join('\n');
  const result = `${head}${front}\n---\n${tail}`;
  return { text: result, placeholderAt: head.length + front.lastIndexOf(PLACEHOLDER) + 'signature: '.length };
}

export async function approveNotice(options: { file: string; approver: RegisteredApprover; privateKey: KeyObject; atMs: number }): Promise<Approval> {
  const { file, approver } = options;
  const publicKey = createPublicKey(options.privateKey);
  if (keyId(publicKey) !== approver.keyId) {
    throw new CompileFailure([
      { severity: 'error', code: 'APPROVAL_WRONG_KEY', file, field: 'approval.signature', message: `the private key given is ${keyId(publicKey)}, not ${approver.id}'s registered key ${approver.keyId}; pass the key file "signage approver add ${approver.id}" wrote` },
    ]);
  }
  const read = await readNoticeFile(file);
  const errors = read.problems.filter((p) => p.severity === 'error');
  if (!read.notice || errors.length > 0) throw new CompileFailure(errors);
  const approval = { by: approver.name, role: approver.role, at: vietnamInstant(options.atMs), approver: approver.id };
  const imageHashes = read.notice.images.map((image) => image.sourceHash);
  const bytes = signedNoticeText({ file, text: await readFile(file, 'utf8'), approval, approverEntry: approver, privateKey: options.privateKey, imageHashes });
  await writeFileAtomic(file, bytes);
  return parseNoticeText(bytes, file).front!.approval!;
}

/**
 * The notice text with `approval` written into it and signed by `privateKey`; checked to read
 * as a notice and to verify before it is returned. Throws CompileFailure naming the file.
 */
export function signedNoticeText(options: { file: string; text: string; approval: Omit<Approval, 'signature'> & { approver: string }; approverEntry: RegisteredApprover; privateKey: KeyObject; imageHashes: readonly string[] }): Buffer {
  const { file, approval, imageHashes } = options;
  const publicKey = createPublicKey(options.privateKey);
  const unsigned = replaceApprovalBlock(options.text, approval);
  if (!unsigned) throw new CompileFailure([{ severity: 'error', code: 'NOTICE_FRONT_MATTER', file, message: 'the file must start with YAML front matter between two "---" lines' }]);
  const signature = signApproval({ bytes: Buffer.from(unsigned.text), imageHashes, privateKey: options.privateKey, publicKey });
  const signed = `${unsigned.text.slice(0, unsigned.placeholderAt)}${JSON.stringify(signature)}${unsigned.text.slice(unsigned.placeholderAt + 2)}`;

  // The rewritten file must read as a notice and its signature must check, before it lands.
  const bytes = Buffer.from(signed);
  const reparsed = parseNoticeText(bytes, file);
  const reErrors = reparsed.problems.filter((p) => p.severity === 'error');
  if (!reparsed.front?.approval || reErrors.length > 0) throw new CompileFailure(reErrors.length > 0 ? reErrors : [{ severity: 'error', code: 'APPROVAL_REWRITE', file, message: 'the approval could not be written into the front matter; check its YAML' }]);
  if (approvalContentText(bytes) !== approvalContentText(Buffer.from(unsigned.text))) throw new Error(`internal: approval content of ${file} changed while signing`);
  const check = checkApproval({ file, bytes, approval: reparsed.front.approval, imageHashes, registry: new Map([[approval.approver, { approver: options.approverEntry, publicKey }]]) });
  if (check.status !== 'verified') throw new Error(`internal: the approval just written to ${file} does not verify (${check.status})`);
  return bytes;
}
