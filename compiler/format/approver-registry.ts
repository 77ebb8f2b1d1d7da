import { z } from 'zod';
import { idSchema, instantSchema } from './notice-schema.ts';

// The station's approver registry: the people whose signed approvals the compiler accepts
// (issue 5, item 7). Kept beside the station key, e.g. data/keys/approvers.yaml, and written by
// `signage approver add`. Only public keys are listed here; each approver's private key stays
// with that approver (a file they keep, mode 600).
//
//   # Approvers whose signed approvals this station accepts (signage approver add).
//   approvers:
//     - id: ksor-thuan                 # what `signage approve --as` and approval.approver name
//       name: Ksor Thuận               # written into approval.by
//       role: Chủ tịch UBND xã         # written into approval.role
//       keyId: 3f9a0c1d2e4b5a69        # first 16 hex digits of sha256 of the raw public key
//       publicKey: |                   # Ed25519, SPKI PEM
//         -----BEGIN PUBLIC KEY-----
//         MCowBQYDK2VwAyEA…
//         -----END PUBLIC KEY-----
//       added: "2026-11-22T07:00:00+07:00"
//
// Ids are unique. Unknown keys are refused, so a misspelt field is an error, not a silently
// ignored approver.

export const registeredApproverSchema = z.strictObject({
  id: idSchema,
  name: z.string().trim().min(1, 'must name the approver, e.g. "Ksor Thuận"'),
  role: z.string().trim().min(1, 'must give the approver\'s position, e.g. "Chủ tịch UBND xã"'),
  keyId: z.string().regex(/^[0-9a-f]{16}$/, 'must be the 16 hex digits "signage approver add" printed'),
  publicKey: z
    .string()
    .regex(/-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----/, 'must be the approver\'s Ed25519 public key in PEM ("-----BEGIN PUBLIC KEY-----" …)'),
  added: instantSchema,
});
export type RegisteredApprover = z.infer<typeof registeredApproverSchema>;

export const approverRegistrySchema = z
  .strictObject({
    approvers: z.array(registeredApproverSchema),
  })
  .superRefine((registry, ctx) => {
    const seen = new Set<string>();
    registry.approvers.forEach((approver, i) => {
      if (seen.has(approver.id)) ctx.addIssue({ code: 'custom', path: ['approvers', i, 'id'], message: `"${approver.id}" is listed twice; list each approver once` });
      seen.add(approver.id);
    });
  })
  .describe('The approvers whose signed notice approvals a station accepts.');
export type ApproverRegistry = z.infer<typeof approverRegistrySchema>;
