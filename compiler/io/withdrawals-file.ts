import { join } from 'node:path';
import { stringify } from 'yaml';
import { WITHDRAWALS_FILE, withdrawalLogSchema, withdrawnNotices, type WithdrawalEntry, type WithdrawalLog } from '../format/withdrawals.ts';
import { writeFileAtomic } from './write-output.ts';
import { readYamlFile } from './yaml-file.ts';

// The notice store's withdrawal log on disk (format: compiler/format/withdrawals.ts). A store
// without the file has withdrawn nothing.

export function withdrawalsPath(noticesDir: string): string {
  return join(noticesDir, WITHDRAWALS_FILE);
}

export async function readWithdrawals(noticesDir: string): Promise<WithdrawalLog> {
  return readYamlFile({ file: withdrawalsPath(noticesDir), schema: withdrawalLogSchema, code: 'WITHDRAWALS', what: 'withdrawal log', missing: () => ({ log: [] }) });
}

const HEADER = '# Withdrawn notices. Written by "signage withdraw"; entries are only ever appended\n# (format: compiler/format/withdrawals.ts). The last entry for an id decides.\n';

/** Appends one entry; refuses a no-op (withdrawing what is withdrawn, restoring what is not). */
export async function appendWithdrawal(noticesDir: string, entry: WithdrawalEntry): Promise<WithdrawalLog> {
  const log = await readWithdrawals(noticesDir);
  const withdrawn = withdrawnNotices(log).get(entry.id);
  if (entry.action === 'withdraw' && withdrawn) throw new Error(`notice ${entry.id} is already withdrawn (by ${withdrawn.by} at ${withdrawn.at}); nothing changed`);
  if (entry.action === 'restore' && !withdrawn) throw new Error(`notice ${entry.id} is not withdrawn; nothing to restore`);
  const next = { log: [...log.log, entry] };
  await writeFileAtomic(withdrawalsPath(noticesDir), `${HEADER}${stringify(next, { lineWidth: 0 })}`);
  return next;
}
