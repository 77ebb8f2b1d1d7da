import { z } from 'zod';
import { idSchema } from './notice-schema.ts';
import { sha256Schema } from './bundle-manifest.ts';

// The whole hub ↔ player protocol over one WebSocket, as one union per direction. Every frame
// that arrives is parsed with these schemas once, at the edge; inner code takes typed values.
//
// Text frames carry JSON messages. Blob data travels in binary frames: a 4-byte big-endian
// length, that many bytes of JSON `BlobChunkHeader`, then the chunk's bytes.
//
// Connection: hub → challenge; player → hello (signed with its device key); hub → welcome or
// refused; hub → offer (current bundle for the player's screen, as a delta from the one it
// shows) whenever it changes; player → get-blob for what it lacks (resumable by offset), or
// get-offer when it cannot apply the delta; player → activated; player → status every
// 30 s and plays in batches; hub → plays-ack.
// Emergencies: hub → emergency (a signed statement about one alert, sent ahead of everything
// else, after welcome and whenever one is issued); player → emergency-ack (what it did with it).

/** 2: offers carry compressed documents, as deltas from the bundle the player shows. */
export const WIRE_PROTOCOL_VERSION = 2;
/** Largest blob chunk the hub sends in one binary frame. */
export const BLOB_CHUNK_BYTES = 256 * 1024;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

// ---- hub → player ---------------------------------------------------------------------------

export const challengeMessage = z.strictObject({
  type: z.literal('challenge'),
  protocol: z.number().int(),
  /** Random bytes (base64) the player signs to prove it holds its device key. */
  nonce: base64,
  /** Hub clock, epoch ms: lets the player report its own clock offset. */
  hubTimeMs: z.number().int(),
});

export const welcomeMessage = z.strictObject({
  type: z.literal('welcome'),
  deviceId: z.string(),
  screenId: idSchema,
});

export const REFUSAL_REASONS = ['pending-approval', 'revoked', 'bad-signature', 'unknown-screen', 'rate-limited', 'protocol', 'replaced'] as const;
export const refusedMessage = z.strictObject({
  type: z.literal('refused'),
  reason: z.enum(REFUSAL_REASONS),
  message: z.string(),
});

/**
 * The current bundle for a screen: its manifest and schedule, compressed, and their signatures.
 * `manifest` and `schedule` are brotli-compressed (base64). With `deltaFrom`, what is
 * compressed is a byte delta (byte-delta.ts) from that bundle's manifest and schedule, which
 * the player said it shows; without it, the documents themselves. The player rebuilds the
 * exact bytes the station signed and verifies them as always (id = sha256 of the manifest,
 * signatures against the pinned key). A player that no longer holds `deltaFrom` sends
 * `get-offer` and gets the documents whole.
 */
export const offerMessage = z.strictObject({
  type: z.literal('offer'),
  screenId: idSchema,
  bundleId: sha256Schema,
  deltaFrom: sha256Schema.optional(),
  manifest: base64,
  manifestSig: base64,
  schedule: base64,
  scheduleSig: base64,
});

/** Largest manifest or schedule a player rebuilds from an offer (a bound on decompression). */
export const MAX_OFFER_DOCUMENT_BYTES = 16 * 1024 * 1024;

export const blobErrorMessage = z.strictObject({
  type: z.literal('blob-error'),
  hash: sha256Schema,
  message: z.string(),
});

export const playsAckMessage = z.strictObject({
  type: z.literal('plays-ack'),
  ids: z.array(z.string()),
});

/** A signed emergency statement (compiler/cap/emergency-statement.ts): its canonical JSON bytes and signature. */
export const emergencyMessage = z.strictObject({
  type: z.literal('emergency'),
  statement: base64,
  signature: base64,
});

export const hubMessage = z.discriminatedUnion('type', [challengeMessage, welcomeMessage, refusedMessage, offerMessage, blobErrorMessage, playsAckMessage, emergencyMessage]);
export type HubMessage = z.infer<typeof hubMessage>;

export const blobChunkHeader = z.strictObject({
  hash: sha256Schema,
  offset: z.number().int().min(0),
  /** Size of the whole blob, so the player knows when it has all of it. */
  total: z.number().int().min(0),
});
export type BlobChunkHeader = z.infer<typeof blobChunkHeader>;

// ---- player → hub ---------------------------------------------------------------------------

export const helloMessage = z.strictObject({
  type: z.literal('hello'),
  protocol: z.number().int(),
  /** keyId of the device's public key (first 16 hex of sha256 of the raw key). */
  deviceId: z.string().regex(/^[0-9a-f]{16}$/),
  /** The device's Ed25519 public key, SPKI PEM. */
  publicKey: z.string().max(1000),
  screenId: idSchema,
  /** Signature (base64) over `helloSigningText(nonce, deviceId, screenId)`. */
  signature: base64,
  version: z.string().max(100),
  /** Bundle the player shows now, if any: the hub skips the offer when it is current. */
  bundleId: sha256Schema.optional(),
});

export const getBlobMessage = z.strictObject({
  type: z.literal('get-blob'),
  hash: sha256Schema,
  /** Resume point after a drop: bytes already held. */
  offset: z.number().int().min(0),
});

/** Asks for the current offer again with whole documents: the delta's base is not held. */
export const getOfferMessage = z.strictObject({
  type: z.literal('get-offer'),
});

export const activatedMessage = z.strictObject({
  type: z.literal('activated'),
  bundleId: sha256Schema,
});

export const statusMessage = z.strictObject({
  type: z.literal('status'),
  bundleId: sha256Schema.nullable(),
  mode: z.enum(['emergency', 'content', 'idle', 'off', 'none']),
  pageId: z.string().nullable(),
  noticeId: z.string().nullable(),
  /** Player clock minus hub clock, ms (from the challenge). */
  clockOffsetMs: z.number().int(),
  freeDiskBytes: z.number().int().min(0).nullable(),
  uptimeS: z.number().int().min(0),
  version: z.string().max(100),
  lastError: z.string().max(2000).nullable(),
  offlineSinceMs: z.number().int().nullable(),
});

export const playRecordSchema = z.strictObject({
  /** Unique per record, made by the player; the hub de-duplicates on it. */
  id: z.string().min(8).max(80),
  bundleId: sha256Schema,
  noticeId: z.string().nullable(),
  pageId: z.string(),
  startMs: z.number().int(),
  endMs: z.number().int(),
});
export type PlayRecord = z.infer<typeof playRecordSchema>;

export const playsMessage = z.strictObject({
  type: z.literal('plays'),
  records: z.array(playRecordSchema).max(500),
});

export const EMERGENCY_ACK_STATES = ['displayed', 'pending', 'accepted', 'ended', 'applied', 'refused'] as const;

/** What a player did with an emergency statement; sent on every change and again after each welcome. */
export const emergencyAckMessage = z.strictObject({
  type: z.literal('emergency-ack'),
  /** sha256 of the statement bytes. */
  statementId: sha256Schema,
  state: z.enum(EMERGENCY_ACK_STATES),
  /** Player clock when it reached this state (for displayed: when it went on screen). */
  atMs: z.number().int(),
  /** Why it was refused (signature, replay, wrong screen). */
  reason: z.string().max(1000).optional(),
});

export const playerMessage = z.discriminatedUnion('type', [helloMessage, getBlobMessage, getOfferMessage, activatedMessage, statusMessage, playsMessage, emergencyAckMessage]);
export type PlayerMessage = z.infer<typeof playerMessage>;

/** Exactly what the player signs in its hello, so both sides build the same bytes. */
export function helloSigningText(options: { nonce: string; deviceId: string; screenId: string }): string {
  return `signage-hello/v${WIRE_PROTOCOL_VERSION}\n${options.nonce}\n${options.deviceId}\n${options.screenId}`;
}
