import { z } from 'zod';
import { canonicalJson } from './canonical-json.ts';
import { idSchema, instantSchema, NOTICE_PRIORITIES, recurringScheduleSchema } from './notice-schema.ts';

// The JSON feed of notices from the provincial source information system (Hệ thống thông tin
// nguồn; issue 5, item 9). No public API exists for it (DOMAIN.md), so this is the format the
// station's inbound adapter (`signage source pull`) reads; a provincial system, or a small
// bridge in front of it, publishes it at a URL or drops it as a file. README, "Source feed".
//
//   {
//     "format": "signage-source-feed/1",
//     "source": "stttt-gia-lai",                       // the publishing system's id
//     "name": "Hệ thống thông tin nguồn tỉnh Gia Lai",
//     "generatedAt": "2026-11-21T07:00:00+07:00",
//     "items": [
//       {
//         "id": "tuyen-truyen-bau-cu",                 // becomes the notice id and file name
//         "title": "…", "category": "tuyen-truyen", "priority": "normal",
//         "riskLevel": 3,                              // emergencies only
//         "valid": { "from": "…+07:00", "to": "…+07:00" },
//         "schedule": { "days": ["mon"], "from": "07:00", "to": "17:00" },   // optional
//         "targets": ["tinh-gia-lai"],                 // administrative units or screens
//         "body": "Markdown subset, as in notice files",
//         "images": [ { "url": "https://…/anh.jpg", "sha256": "…" } ],       // optional, ≤ 4
//         "approval": { "by": "…", "role": "…", "at": "…" }                  // optional
//       }
//     ],
//     "signature": { "alg": "ed25519", "keyId": "…", "signature": "base64…" } // optional
//   }
//
// The signature is Ed25519 over the UTF-8 bytes of the canonical JSON (compiler/format/
// canonical-json.ts: keys sorted, no white space, strings NFC) of the whole feed object
// without its "signature" member. Items of a feed whose signature verifies against a key the
// station trusts (--trust) arrive approved; all others arrive as drafts for local approval.
//
// Each item is checked on its own: a malformed item is reported (feed, item, field) and the
// others still land.

export const SOURCE_FEED_FORMAT = 'signage-source-feed/1';

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be the lower-case sha256 hex digest of the picture file');

export const sourceFeedImageSchema = z.strictObject({
  url: z.string().min(1, 'must be the picture\'s address (http, https, or a path relative to a feed file)'),
  sha256: sha256Schema,
});

export const sourceFeedItemSchema = z.strictObject({
  id: idSchema,
  title: z.string().trim().min(1, 'must not be empty'),
  category: idSchema,
  priority: z.enum(NOTICE_PRIORITIES, { message: 'must be one of normal, priority, emergency' }),
  riskLevel: z.number().int().min(1, 'must be a whole number from 1 to 5').max(5, 'must be a whole number from 1 to 5').optional(),
  valid: z.strictObject({ from: instantSchema, to: instantSchema }),
  schedule: recurringScheduleSchema.optional(),
  targets: z.array(idSchema).min(1, 'must name at least one administrative unit or screen'),
  body: z.string(),
  images: z.array(sourceFeedImageSchema).max(4, 'at most 4 images per notice').optional(),
  approval: z
    .strictObject({
      by: z.string().trim().min(1, 'must name who approved the item at the source'),
      role: z.string().trim().min(1, 'must give their position'),
      at: instantSchema,
    })
    .optional(),
});
export type SourceFeedItem = z.infer<typeof sourceFeedItemSchema>;

export const feedSignatureSchema = z.strictObject({
  alg: z.literal('ed25519', { message: 'must be "ed25519"' }),
  keyId: z.string().regex(/^[0-9a-f]{16}$/, 'must be the 16 hex digit id of the signing key'),
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be the base64 of a 64-byte Ed25519 signature'),
});

const envelopeFields = {
  format: z.literal(SOURCE_FEED_FORMAT, { message: `must be "${SOURCE_FEED_FORMAT}"` }),
  source: idSchema,
  name: z.string().trim().min(1, 'must name the publishing system'),
  generatedAt: instantSchema,
  signature: feedSignatureSchema.optional(),
};

/** The whole feed, items included: what the JSON Schema for publishers describes. */
export const sourceFeedSchema = z.strictObject({ ...envelopeFields, items: z.array(sourceFeedItemSchema) }).describe('A feed of notices from the provincial source information system.');

/** The feed with its items unchecked, so that each item can be checked (and refused) alone. */
export const sourceFeedEnvelopeSchema = z.strictObject({ ...envelopeFields, items: z.array(z.unknown()) });
export type SourceFeedEnvelope = z.infer<typeof sourceFeedEnvelopeSchema>;

/** The text the feed signature covers: canonical JSON of the feed object without "signature". */
export function feedSigningText(feed: Record<string, unknown>): string {
  const { signature: _signature, ...rest } = feed;
  return canonicalJson(rest);
}

// ---- trusted sources ---------------------------------------------------------------------------
//
// The station's list of source systems whose signed feeds arrive approved (--trust FILE, YAML):
//
//   sources:
//     - id: stttt-gia-lai                 # the feed's "source"
//       name: Hệ thống thông tin nguồn tỉnh Gia Lai
//       keyId: 3f9a0c1d2e4b5a69
//       publicKey: |
//         -----BEGIN PUBLIC KEY-----
//         …
//         -----END PUBLIC KEY-----

export const trustedSourceSchema = z.strictObject({
  id: idSchema,
  name: z.string().trim().min(1, 'must name the source system'),
  keyId: z.string().regex(/^[0-9a-f]{16}$/, 'must be the 16 hex digit id of the source\'s key'),
  publicKey: z.string().regex(/-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----/, 'must be the source\'s Ed25519 public key in PEM'),
});
export type TrustedSource = z.infer<typeof trustedSourceSchema>;

export const trustedSourcesSchema = z.strictObject({ sources: z.array(trustedSourceSchema) }).describe('Source systems whose signed feeds a station accepts as approved.');
