import { readFile } from 'node:fs/promises';
import type { ApprovalCheck } from '../plan/approval-check.ts';
import type { CompileProblem } from '../plan/compile-problem.ts';
import type { LoadedNotice } from '../plan/loaded-notice.ts';
import { checkApproval, type ApproverKey } from '../trust/approval-signature.ts';
import { sha256Hex } from '../trust/station-key.ts';

// Checks the approval of every approved notice against the approver registry, when the
// station has one. The file is read again for its exact bytes; if it changed since it was
// parsed, its approval is checked against the new bytes and so cannot pass for the old text.

export interface ApproverRegistryKeys {
  readonly file: string;
  readonly keys: ReadonlyMap<string, ApproverKey>;
}

export async function checkApprovals(notices: readonly LoadedNotice[], registry: ApproverRegistryKeys | undefined): Promise<Map<string, ApprovalCheck>> {
  const checks = new Map<string, ApprovalCheck>();
  for (const notice of notices) {
    const approval = notice.front.approval;
    if (!approval) continue;
    if (!registry) {
      checks.set(notice.file, { status: 'unverified' });
      continue;
    }
    const bytes = await readFile(notice.file);
    const imageHashes = notice.images.map((image) => image.sourceHash);
    const check = checkApproval({ file: notice.file, bytes, approval, imageHashes, registry: registry.keys, registryFile: registry.file });
    checks.set(notice.file, sha256Hex(bytes) === notice.sourceHash || check.status !== 'verified' ? check : { status: 'refused', code: 'APPROVAL_CONTENT_CHANGED', field: 'approval.signature', reason: 'the file changed while it was being compiled; compile again' });
  }
  return checks;
}

/** The warning an approval taken on trust earns in the report (no registry configured). */
export function unverifiedApprovalWarning(notice: LoadedNotice): CompileProblem {
  const approval = notice.front.approval!;
  const signed = approval.signature ? ` (it carries a signature by ${approval.approver ?? 'an approver'}, which was not checked)` : '';
  return {
    severity: 'warning',
    code: 'APPROVAL_UNVERIFIED',
    file: notice.file,
    field: 'approval',
    message: `approval by ${approval.by} (${approval.role}) is taken on trust: no approver registry was given${signed}. Register approvers with "signage approver add", sign with "signage approve", and compile with --approvers FILE`,
  };
}
