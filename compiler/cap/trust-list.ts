import { parseDocument } from 'yaml';
import { z } from 'zod';

// The station's list of trusted CAP senders. Only alerts whose <sender> is on it are shown;
// everything else is refused with CAP_UNTRUSTED_SENDER and stored as refused. Alerts from a
// trusted sender are pre-approved (issue 5, item 8): no officer has to approve a typhoon
// warning at 2 a.m. before it reaches the screens.
//
// File format (YAML, UTF-8), e.g. trust.yaml:
//
//   # Senders whose CAP alerts this station shows without local approval.
//   senders:
//     - sender: canhbao@kttv.example.vn          # the exact <sender> of their alerts
//       name: Trung tâm Dự báo khí tượng thủy văn quốc gia
//       sources:                                 # optional: where their alerts may come from
//         - https://canhbao.kttv.example.vn/cap/
//
// - `sender` (required): compared exactly with the alert's <sender>. CAP 1.2 forbids spaces,
//   commas, < and & in it, and so does this schema, so a typo shows up here and not as a
//   silently refused typhoon warning.
// - `name` (required): the human name shown as the source line on screen when the alert
//   itself has no <senderName>, and in logs and reports.
// - `sources` (optional): URL prefixes. The <sender> element is just text anybody can write;
//   when `sources` is set, an alert that reached the station from any other address (feed
//   or link) is refused even though its <sender> matches. Alerts ingested from a local file
//   by an operator have no origin and are not checked against it.
// Each sender may appear once. Unknown keys are refused, so a misspelt key is not ignored.

const senderIdSchema = z
  .string()
  .min(1, 'must be the exact <sender> of the alerts, e.g. canhbao@kttv.example.vn')
  .regex(/^[^\s,<&]+$/, 'must not contain spaces, commas, < or & (CAP 1.2 forbids them in <sender>)');

export const trustedSenderSchema = z.strictObject({
  sender: senderIdSchema,
  name: z.string().trim().min(1, 'must name the sender, e.g. "Trung tâm Dự báo khí tượng thủy văn quốc gia"'),
  sources: z
    .array(z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL prefix, e.g. https://canhbao.kttv.example.vn/cap/'))
    .min(1)
    .optional(),
});

export const trustListSchema = z
  .strictObject({
    senders: z.array(trustedSenderSchema),
  })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.senders.forEach((entry, i) => {
      if (seen.has(entry.sender)) ctx.addIssue({ code: 'custom', path: ['senders', i, 'sender'], message: `"${entry.sender}" is listed twice; list each sender once` });
      seen.add(entry.sender);
    });
  })
  .describe('The CAP senders a station trusts.');

export type TrustList = z.infer<typeof trustListSchema>;
export type TrustedSender = z.infer<typeof trustedSenderSchema>;

export type TrustListResult = { ok: true; trustList: TrustList } | { ok: false; code: 'CAP_TRUST_LIST_INVALID'; reason: string };

/** Parses the YAML text of a trust list; `file` names it in the reason when it is refused. */
export function parseTrustList(text: string, file: string): TrustListResult {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    return { ok: false, code: 'CAP_TRUST_LIST_INVALID', reason: `${file}: the YAML is malformed: ${document.errors[0]!.message.split('\n')[0]}` };
  }
  const parsed = trustListSchema.safeParse(document.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(top level)';
    return { ok: false, code: 'CAP_TRUST_LIST_INVALID', reason: `${file}: ${field} ${issue.message}` };
  }
  return { ok: true, trustList: parsed.data };
}

export function findTrustedSender(list: TrustList, sender: string): TrustedSender | undefined {
  return list.senders.find((entry) => entry.sender === sender);
}
