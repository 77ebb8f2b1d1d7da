import { z } from 'zod';
import { idSchema, instantSchema } from './notice-schema.ts';

// Withdrawal of notices (issue 5, item 7; DOMAIN.md: draft → approved → published → withdrawn).
// The notice store keeps one append-only log, NOTICES/withdrawals.yaml, written by
// `signage withdraw ID --notices DIR [--restore]`:
//
//   # Withdrawn notices. Written by "signage withdraw"; entries are only ever appended.
//   log:
//     - id: tiep-cong-dan
//       action: withdraw                 # withdraw | restore
//       by: Rơ Châm H'Lan                # who did it
//       at: "2026-11-22T09:15:00+07:00"  # when
//       reason: lịch thay đổi            # optional
//
// A notice is withdrawn when the last entry naming it says "withdraw"; the next compile
// leaves it off every screen and reports it as withdrawn. "restore" undoes it, and both stay
// in the log, so who withdrew what and when can always be read back. The notice file itself
// is not touched, so restoring needs no new approval.

export const WITHDRAWALS_FILE = 'withdrawals.yaml';

export const withdrawalEntrySchema = z.strictObject({
  id: idSchema,
  action: z.enum(['withdraw', 'restore'], { message: 'must be withdraw or restore' }),
  by: z.string().trim().min(1, 'must name who withdrew or restored the notice'),
  at: instantSchema,
  reason: z.string().optional(),
});
export type WithdrawalEntry = z.infer<typeof withdrawalEntrySchema>;

export const withdrawalLogSchema = z.strictObject({ log: z.array(withdrawalEntrySchema) }).describe('Append-only log of notice withdrawals in a notice store.');
export type WithdrawalLog = z.infer<typeof withdrawalLogSchema>;

/** Notice id → the entry that withdrew it, for every notice whose last entry is a withdrawal. */
export function withdrawnNotices(log: WithdrawalLog): Map<string, WithdrawalEntry> {
  const last = new Map<string, WithdrawalEntry>();
  for (const entry of log.log) last.set(entry.id, entry);
  return new Map([...last].filter(([, entry]) => entry.action === 'withdraw'));
}
