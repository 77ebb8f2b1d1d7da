import type { BlobEntry } from '../../compiler/format/bundle-manifest.ts';
import { sha256Hex } from '../../compiler/trust/station-key.ts';
import type { PlayerDatabase } from './player-database.ts';
import { preparedOnce } from './statement-cache.ts';

// Bundles, blobs and download progress in the player's SQLite file. Everything here runs
// synchronously on one connection, so each public method is either one statement or one
// transaction: a SIGKILL or power cut between any two calls leaves a consistent database.
//
// Callers verify signatures and schemas before they store anything (offer-verification.ts);
// this module keeps the invariants that only the database can keep:
// - a blob row exists only for bytes whose sha256 matched the name;
// - a bundle becomes active only when every blob it lists is present and still verifies,
//   and the swap active → previous, pending → active happens in one transaction;
// - pruning keeps every blob a pending, active or previous bundle lists.

export type BundleState = 'pending' | 'active' | 'previous' | 'retired';

export interface StoredBundle {
  readonly id: string;
  readonly screen: string;
  readonly manifestBytes: Buffer;
  readonly manifestSig: Buffer;
  readonly scheduleBytes: Buffer;
  readonly scheduleSig: Buffer;
  readonly issuedAtMs: number;
  readonly state: BundleState;
}

/** A bundle whose manifest and schedule have been verified, ready to be stored as pending. */
export interface AcceptedBundle extends Omit<StoredBundle, 'state'> {
  readonly blobs: readonly BlobEntry[];
}

export interface MissingBlob {
  readonly hash: string;
  readonly size: number;
  /** Bytes already held: the offset to resume from. */
  readonly received: number;
  readonly failures: number;
  readonly lastError: string | null;
  /** Do not ask for it again before this instant (after a failure). */
  readonly retryAfterMs: number;
}

export type ActivationFailureCode = 'BUNDLE_UNKNOWN' | 'BUNDLE_INCOMPLETE' | 'BUNDLE_BLOB_CORRUPT';

export class ActivationError extends Error {
  override readonly name = 'ActivationError';
  constructor(
    readonly code: ActivationFailureCode,
    message: string,
    readonly hashes: readonly string[] = [],
  ) {
    super(`${code}: ${message}`);
  }
}

export type ChunkRejection = 'not-wanted' | 'duplicate' | 'gap' | 'size-mismatch' | 'overflow';

export class ChunkRejectedError extends Error {
  override readonly name = 'ChunkRejectedError';
  constructor(
    readonly reason: ChunkRejection,
    message: string,
  ) {
    super(message);
  }
}

export interface ActivationResult {
  readonly activeId: string;
  readonly previousId: string | null;
}

export interface PruneResult {
  readonly bundles: number;
  readonly blobs: number;
  readonly downloads: number;
}

interface BundleRow {
  id: string;
  screen: string;
  manifest: Buffer;
  manifest_sig: Buffer;
  schedule: Buffer;
  schedule_sig: Buffer;
  issued_at_ms: number;
  state: BundleState;
}

function toBundle(row: BundleRow | undefined): StoredBundle | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    screen: row.screen,
    manifestBytes: row.manifest,
    manifestSig: row.manifest_sig,
    scheduleBytes: row.schedule,
    scheduleSig: row.schedule_sig,
    issuedAtMs: row.issued_at_ms,
    state: row.state,
  };
}

const BUNDLE_COLUMNS = 'id, screen, manifest, manifest_sig, schedule, schedule_sig, issued_at_ms, state';

export class BundleStore {
  private readonly sql: PlayerDatabase['prepare'];

  constructor(private readonly db: PlayerDatabase) {
    this.sql = preparedOnce(db);
  }

  /**
   * Runs a write that records download progress (an offer stored, a chunk, a finished blob,
   * a failure, pruning) without waiting for the disk. In WAL mode a power cut can lose such
   * commits but never corrupts them, and what is lost is fetched again from the stored offset.
   * An fsync per 256 KB chunk would make a download wait on the disk for nothing. Activation
   * keeps synchronous=FULL: its commit, and with it everything before it in the WAL, is on
   * disk when activate() returns.
   */
  private relaxed<T>(write: () => T): T {
    // db.pragma(), never a cached statement: SQLite carries out PRAGMA synchronous when the
    // statement is compiled, so a prepared one run again changes (or reads) nothing.
    const mode = this.db.pragma('synchronous', { simple: true }) as number;
    if (mode < 2) return write(); // already OFF or NORMAL
    this.db.pragma('synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.db.pragma(`synchronous = ${mode}`);
    }
  }

  bundle(id: string): StoredBundle | undefined {
    return toBundle(this.sql<[string], BundleRow>(`SELECT ${BUNDLE_COLUMNS} FROM bundles WHERE id = ?`).get(id));
  }

  /** A stored bundle's state, without reading its documents (checked at every downloaded chunk). */
  state(id: string): BundleState | undefined {
    return this.sql<[string], { state: BundleState }>('SELECT state FROM bundles WHERE id = ?').get(id)?.state;
  }

  private inState(state: BundleState): StoredBundle | undefined {
    return toBundle(this.sql<[string], BundleRow>(`SELECT ${BUNDLE_COLUMNS} FROM bundles WHERE state = ? ORDER BY issued_at_ms DESC LIMIT 1`).get(state));
  }

  active(): StoredBundle | undefined {
    return this.inState('active');
  }

  previous(): StoredBundle | undefined {
    return this.inState('previous');
  }

  /** The active bundle's id and compile instant, without loading its documents (every offer checks them). */
  activeSummary(): { id: string; issuedAtMs: number } | undefined {
    const row = this.sql<[], { id: string; issued_at_ms: number }>("SELECT id, issued_at_ms FROM bundles WHERE state = 'active' ORDER BY issued_at_ms DESC LIMIT 1").get();
    return row && { id: row.id, issuedAtMs: row.issued_at_ms };
  }

  /** Ids of the active and previous bundles, without loading their bytes (status, snapshots). */
  pointers(): { activeId: string | null; previousId: string | null } {
    const rows = this.sql<[], { id: string; state: BundleState }>("SELECT id, state FROM bundles WHERE state IN ('active', 'previous')").all();
    return { activeId: rows.find((row) => row.state === 'active')?.id ?? null, previousId: rows.find((row) => row.state === 'previous')?.id ?? null };
  }

  /** The bundle being downloaded, if any (storeOffer keeps at most one). */
  pending(): StoredBundle | undefined {
    return this.inState('pending');
  }

  /**
   * Stores a verified offer as the one pending bundle. Any other pending bundle is retired:
   * the hub only ever wants one bundle on a screen, and the newest offer is what it wants.
   * Returns the bundle's state afterwards ('active' when it is already on screen).
   */
  storeOffer(bundle: AcceptedBundle, nowMs: number): BundleState {
    return this.relaxed(() => this.storeOfferNow(bundle, nowMs));
  }

  private storeOfferNow(bundle: AcceptedBundle, nowMs: number): BundleState {
    return this.db.transaction((): BundleState => {
      const existing = this.sql<[string], { state: BundleState }>('SELECT state FROM bundles WHERE id = ?').get(bundle.id);
      if (existing?.state === 'active') return 'active';
      this.sql<[string]>("UPDATE bundles SET state = 'retired' WHERE state = 'pending' AND id <> ?").run(bundle.id);
      if (existing) {
        // A retired or previous bundle offered again: download state and blobs may still be
        // here, so it simply becomes the pending one again.
        this.sql<[string]>("UPDATE bundles SET state = 'pending' WHERE id = ?").run(bundle.id);
        return 'pending';
      }
      this.db
        .prepare(
          `INSERT INTO bundles (id, screen, manifest, manifest_sig, schedule, schedule_sig, issued_at_ms, state, received_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
        )
        .run(bundle.id, bundle.screen, bundle.manifestBytes, bundle.manifestSig, bundle.scheduleBytes, bundle.scheduleSig, bundle.issuedAtMs, nowMs);
      const insertBlob = this.sql('INSERT OR IGNORE INTO bundle_blobs (bundle_id, hash, size, mime) VALUES (?, ?, ?, ?)');
      for (const blob of bundle.blobs) insertBlob.run(bundle.id, blob.hash, blob.bytes, blob.mime);
      return 'pending';
    })();
  }

  /** Blobs the bundle lists that are not stored yet, with their resume offsets, by hash. */
  missingBlobs(bundleId: string): MissingBlob[] {
    return this.sql<[string], { hash: string; size: number; received: number | null; failures: number | null; last_error: string | null; retry_after_ms: number | null }>(
        `SELECT bb.hash, bb.size, d.received, d.failures, d.last_error, d.retry_after_ms
         FROM bundle_blobs bb
         LEFT JOIN blob_downloads d ON d.hash = bb.hash
         WHERE bb.bundle_id = ? AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash = bb.hash)
         ORDER BY bb.hash`,
      )
      .all(bundleId)
      .map((row) => ({
        hash: row.hash,
        size: row.size,
        received: row.received ?? 0,
        failures: row.failures ?? 0,
        lastError: row.last_error,
        retryAfterMs: row.retry_after_ms ?? 0,
      }));
  }

  hasBlob(hash: string): boolean {
    return this.sql<[string], { one: number }>('SELECT 1 AS one FROM blobs WHERE hash = ?').get(hash) !== undefined;
  }

  blobBytes(hash: string): Buffer | undefined {
    return this.sql<[string], { bytes: Buffer }>('SELECT bytes FROM blobs WHERE hash = ?').get(hash)?.bytes;
  }

  /** A blob the renderer may load: only what the active or previous bundle lists. */
  servableBlob(hash: string): { bytes: Buffer; mime: string } | undefined {
    return this.sql<[string], { bytes: Buffer; mime: string }>(
        `SELECT b.bytes, bb.mime FROM blobs b
         JOIN bundle_blobs bb ON bb.hash = b.hash
         JOIN bundles u ON u.id = bb.bundle_id
         WHERE b.hash = ? AND u.state IN ('active', 'previous')
         LIMIT 1`,
      )
      .get(hash);
  }

  /**
   * Makes sure a download row exists for a blob of `total` bytes and returns the offset to
   * resume from. A row left by a different expected size (a manifest that changed its mind)
   * is started over.
   */
  beginDownload(hash: string, total: number, nowMs: number): number {
    return this.relaxed(() => this.db.transaction((): number => {
      const row = this.sql<[string], { total: number; received: number }>('SELECT total, received FROM blob_downloads WHERE hash = ?').get(hash);
      if (row && row.total === total) return row.received;
      if (row) this.sql<[string]>('DELETE FROM blob_downloads WHERE hash = ?').run(hash);
      this.sql('INSERT INTO blob_downloads (hash, total, received, updated_ms) VALUES (?, ?, 0, ?)').run(hash, total, nowMs);
      return 0;
    })());
  }

  /** Progress of a blob being fetched, if a download was begun. */
  download(hash: string): { received: number; total: number; failures: number } | undefined {
    return this.sql<[string], { received: number; total: number; failures: number }>('SELECT received, total, failures FROM blob_downloads WHERE hash = ?').get(hash);
  }

  /**
   * Appends one chunk at `position`, which must be exactly the bytes held so far: chunks are
   * only ever appended in order, so the resume offset is always the sum of stored chunks.
   */
  appendChunk(options: { hash: string; position: number; total: number; data: Uint8Array; nowMs: number }): { received: number; total: number } {
    return this.relaxed(() => this.db.transaction(() => {
      const row = this.sql<[string], { total: number; received: number }>('SELECT total, received FROM blob_downloads WHERE hash = ?').get(options.hash);
      if (!row) throw new ChunkRejectedError('not-wanted', `no download of ${options.hash} is under way`);
      if (options.total !== row.total) {
        throw new ChunkRejectedError('size-mismatch', `blob ${options.hash} arrives as ${options.total} bytes, but its manifest says ${row.total}`);
      }
      if (options.position < row.received) throw new ChunkRejectedError('duplicate', `chunk at ${options.position} of ${options.hash} is already held`);
      if (options.position > row.received) throw new ChunkRejectedError('gap', `chunk at ${options.position} of ${options.hash} leaves a gap after ${row.received}`);
      const received = row.received + options.data.length;
      if (received > row.total) throw new ChunkRejectedError('overflow', `blob ${options.hash} is longer than its manifest's ${row.total} bytes`);
      if (options.data.length > 0) this.sql('INSERT INTO blob_chunks (hash, position, bytes) VALUES (?, ?, ?)').run(options.hash, options.position, options.data);
      this.sql('UPDATE blob_downloads SET received = ?, updated_ms = ? WHERE hash = ?').run(received, options.nowMs, options.hash);
      return { received, total: row.total };
    })());
  }

  /**
   * Assembles a fully received blob and checks its sha256. On a match the blob is stored and
   * its chunks dropped in one transaction. On a mismatch the chunks are discarded (they cannot
   * be trusted to resume from), the failure is recorded, and the reason is returned.
   */
  finishDownload(hash: string, options: { nowMs: number; retryAfterMs: number }): { ok: true } | { ok: false; reason: string } {
    const chunks = this.sql<[string], { bytes: Buffer }>('SELECT bytes FROM blob_chunks WHERE hash = ? ORDER BY position').all(hash);
    const bytes = Buffer.concat(chunks.map((chunk) => chunk.bytes));
    const actual = sha256Hex(bytes);
    if (actual !== hash) {
      const reason = `BUNDLE_BLOB_TAMPERED: blob ${hash} arrived with content whose sha256 is ${actual}`;
      this.recordDownloadFailure({ hash, reason, nowMs: options.nowMs, retryAfterMs: options.retryAfterMs, discard: true });
      return { ok: false, reason };
    }
    this.relaxed(() =>
      this.db.transaction(() => {
        this.sql('INSERT OR IGNORE INTO blobs (hash, bytes, verified_ms) VALUES (?, ?, ?)').run(hash, bytes, options.nowMs);
        this.sql<[string]>('DELETE FROM blob_downloads WHERE hash = ?').run(hash);
      })(),
    );
    return { ok: true };
  }

  /** Stores a blob whose bytes are already at hand (an empty blob needs no download). */
  storeVerifiedBlob(hash: string, bytes: Uint8Array, nowMs: number): void {
    if (sha256Hex(bytes) !== hash) throw new Error(`blob ${hash}: bytes do not match the name`);
    this.relaxed(() => this.sql('INSERT OR IGNORE INTO blobs (hash, bytes, verified_ms) VALUES (?, ?, ?)').run(hash, bytes, nowMs));
  }

  recordDownloadFailure(options: { hash: string; reason: string; nowMs: number; retryAfterMs: number; discard: boolean }): void {
    this.relaxed(() => this.recordDownloadFailureNow(options));
  }

  private recordDownloadFailureNow(options: { hash: string; reason: string; nowMs: number; retryAfterMs: number; discard: boolean }): void {
    this.db.transaction(() => {
      if (options.discard) this.sql<[string]>('DELETE FROM blob_chunks WHERE hash = ?').run(options.hash);
      this.db
        .prepare(
          `UPDATE blob_downloads SET failures = failures + 1, last_error = ?, retry_after_ms = ?, updated_ms = ?${options.discard ? ', received = 0' : ''}
           WHERE hash = ?`,
        )
        .run(options.reason, options.retryAfterMs, options.nowMs, options.hash);
    })();
  }

  /**
   * Makes a bundle active in one transaction: every blob it lists must be present and must
   * still hash to its name (a blob verified weeks ago for another bundle may have rotted on
   * a cheap SD card). The active bundle becomes previous and the old previous is retired.
   * A corrupt blob is removed so that it is fetched again, and activation fails.
   */
  activate(bundleId: string, nowMs: number): ActivationResult {
    const outcome = this.db.transaction((): ActivationResult | ActivationError => {
      const target = this.sql<[string], { state: BundleState }>('SELECT state FROM bundles WHERE id = ?').get(bundleId);
      if (!target) return new ActivationError('BUNDLE_UNKNOWN', `bundle ${bundleId} is not stored`);
      const current = this.sql<[], { id: string }>("SELECT id FROM bundles WHERE state = 'active'").get();
      if (target.state === 'active') return { activeId: bundleId, previousId: this.previous()?.id ?? null };
      const listed = this.sql<[string], { hash: string }>('SELECT hash FROM bundle_blobs WHERE bundle_id = ? ORDER BY hash').all(bundleId);
      const missing: string[] = [];
      const corrupt: string[] = [];
      const read = this.sql<[string], { bytes: Buffer }>('SELECT bytes FROM blobs WHERE hash = ?');
      for (const { hash } of listed) {
        const row = read.get(hash);
        if (!row) missing.push(hash);
        else if (sha256Hex(row.bytes) !== hash) corrupt.push(hash);
      }
      if (missing.length > 0) return new ActivationError('BUNDLE_INCOMPLETE', `bundle ${bundleId} lacks ${missing.length} blob(s)`, missing);
      if (corrupt.length > 0) {
        const remove = this.sql<[string]>('DELETE FROM blobs WHERE hash = ?');
        for (const hash of corrupt) remove.run(hash);
        return new ActivationError('BUNDLE_BLOB_CORRUPT', `bundle ${bundleId} has ${corrupt.length} stored blob(s) that no longer match their hash`, corrupt);
      }
      // Order matters: the unique indexes allow one active and one previous at every step.
      this.sql("UPDATE bundles SET state = 'retired' WHERE state = 'previous'").run();
      this.sql("UPDATE bundles SET state = 'previous' WHERE state = 'active'").run();
      this.sql<[number, string]>("UPDATE bundles SET state = 'active', activated_ms = ? WHERE id = ?").run(nowMs, bundleId);
      return { activeId: bundleId, previousId: current?.id ?? null };
    })();
    if (outcome instanceof ActivationError) throw outcome;
    return outcome;
  }

  /** Puts the previous bundle back on screen (the active one becomes previous). */
  rollback(nowMs: number): ActivationResult | undefined {
    return this.db.transaction((): ActivationResult | undefined => {
      const previous = this.sql<[], { id: string }>("SELECT id FROM bundles WHERE state = 'previous'").get();
      if (!previous) return undefined;
      const active = this.sql<[], { id: string }>("SELECT id FROM bundles WHERE state = 'active'").get();
      this.sql("UPDATE bundles SET state = 'retired' WHERE state = 'active'").run();
      this.sql<[number, string]>("UPDATE bundles SET state = 'active', activated_ms = ? WHERE id = ?").run(nowMs, previous.id);
      if (active) this.sql<[string]>("UPDATE bundles SET state = 'previous' WHERE id = ?").run(active.id);
      return { activeId: previous.id, previousId: active?.id ?? null };
    })();
  }

  /** Retires a bundle that cannot be shown (used when the active one fails its start-up check). */
  retire(bundleId: string): void {
    this.sql<[string]>("UPDATE bundles SET state = 'retired' WHERE id = ?").run(bundleId);
  }

  /**
   * Drops retired bundles, then every blob and partial download that no remaining bundle
   * (pending, active or previous) lists. One transaction, so a crash never leaves a bundle
   * whose blobs were half pruned.
   */
  prune(): PruneResult {
    return this.relaxed(() => this.pruneNow());
  }

  private pruneNow(): PruneResult {
    return this.db.transaction((): PruneResult => {
      const bundles = this.sql("DELETE FROM bundles WHERE state = 'retired'").run().changes;
      const blobs = this.sql('DELETE FROM blobs WHERE hash NOT IN (SELECT hash FROM bundle_blobs)').run().changes;
      const downloads = this.sql('DELETE FROM blob_downloads WHERE hash NOT IN (SELECT hash FROM bundle_blobs)').run().changes;
      return { bundles, blobs, downloads };
    })();
  }

  /** Gives freed pages back to the file system and folds the WAL into the main file. */
  compact(): void {
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Counts for status and tests. */
  counts(): { bundles: number; blobs: number; downloads: number; chunks: number } {
    const count = (table: string) => (this.sql(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { bundles: count('bundles'), blobs: count('blobs'), downloads: count('blob_downloads'), chunks: count('blob_chunks') };
  }
}
