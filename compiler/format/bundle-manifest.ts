import { z } from 'zod';
import { idSchema, instantSchema, NOTICE_PRIORITIES, recurringScheduleSchema } from './notice-schema.ts';
import { colorSchema, pageSchema, sceneNodeSchema } from './scene.ts';

// The manifest is the whole contract between compiler and renderer/player: everything a
// screen shows is in it or in a blob it names by hash. Its canonical JSON's sha256 is the
// bundle id, and the station's Ed25519 signature covers exactly those bytes.

/** Bump when a player could misread a manifest of the old shape; players refuse newer ones. */
export const BUNDLE_SCHEMA_VERSION = 1;

export const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case sha256 hex digest');

export const blobEntrySchema = z.strictObject({
  hash: sha256Schema,
  bytes: z.number().int().min(0),
  mime: z.string().min(1),
});
export type BlobEntry = z.infer<typeof blobEntrySchema>;

/**
 * Who approved a notice, as the play report shows it. `approver` and `verified` were added
 * after schema version 1 shipped and are optional, so manifests written before them still
 * read: `approver` is the registry id the approval names, and `verified: true` means the
 * compiler checked the approver's Ed25519 signature over the notice's current content against
 * the station's approver registry. Without it the approval was taken on trust (no registry).
 */
export const manifestApprovalSchema = z.strictObject({
  by: z.string().min(1),
  role: z.string().min(1),
  at: instantSchema,
  approver: idSchema.optional(),
  verified: z.boolean().optional(),
});
export type ManifestApproval = z.infer<typeof manifestApprovalSchema>;

export const manifestNoticeSchema = z.strictObject({
  id: idSchema,
  title: z.string(),
  category: z.string(),
  priority: z.enum(NOTICE_PRIORITIES),
  riskLevel: z.number().int().min(1).max(5).optional(),
  validFromMs: z.number().int(),
  validToMs: z.number().int(),
  schedule: recurringScheduleSchema.optional(),
  approval: manifestApprovalSchema,
  /** sha256 of the notice file as approved, so a play report can name the exact text shown. */
  sourceHash: sha256Schema,
  pageIds: z.array(z.string()),
});
export type ManifestNotice = z.infer<typeof manifestNoticeSchema>;

export const manifestScreenSchema = z.strictObject({
  id: idSchema,
  kind: z.enum(['lcd', 'led']),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  pitchMm: z.number().positive().optional(),
  capture: z.strictObject({ x: z.number().int(), y: z.number().int() }),
  background: colorSchema,
});

export const bundleManifestSchema = z.strictObject({
  schemaVersion: z.number().int().positive(),
  kind: z.enum(['content', 'emergency']),
  /** The compile instant (--at): later bundles for a screen must carry a later instant. */
  issuedAt: z.iso.datetime({ offset: true }),
  site: z.strictObject({ id: idSchema, name: z.string(), path: z.array(idSchema) }),
  screen: manifestScreenSchema,
  layout: z.string(),
  /** Drawn under every page (header, backgrounds) and over it (clock, ticker). */
  chrome: z.strictObject({ under: z.array(sceneNodeSchema), over: z.array(sceneNodeSchema) }),
  pages: z.array(pageSchema),
  /** Shown when nothing is scheduled but the screen is on: a calm idle page. */
  idlePageId: z.string().optional(),
  notices: z.array(manifestNoticeSchema),
  blobs: z.array(blobEntrySchema),
});
export type BundleManifest = z.infer<typeof bundleManifestSchema>;
