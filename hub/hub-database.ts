import type Database from 'better-sqlite3';
import { openSqliteFile } from './sqlite-file.ts';
import type { z } from 'zod';
import type { PlayRecord, statusMessage } from '../compiler/format/wire-messages.ts';

// The hub's own state: enrolled devices, every bundle ever published per screen, and proof of
// play. One SQLite file in WAL mode, so the separate `signage hub publish` / `devices`
// processes can write while the running hub reads, and the hub notices their commits through
// `PRAGMA data_version` (see dataVersion()).
//
// Migrations are numbered by their position in MIGRATIONS and tracked with
// `PRAGMA user_version`; a file written by a newer hub is refused rather than half-understood.

export const HUB_DATABASE_FILE = 'hub.sqlite';

/** Marks the file as a hub database ('HUB1'), so a player's cache is not opened by mistake. */
const APPLICATION_ID = 0x48554231;

export type DeviceState = 'pending' | 'approved' | 'revoked';
export type DeviceStatus = Omit<z.infer<typeof statusMessage>, 'type'>;

export interface DeviceRecord {
  readonly id: string;
  readonly publicKeyPem: string;
  /** The screen it is approved for, or asked for while pending. */
  readonly screenId: string;
  readonly state: DeviceState;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly lastAddress: string | null;
  /** Connected to the hub, as the hub last recorded it (the hub clears it when it starts). */
  readonly online: boolean;
  readonly lastStatus: DeviceStatus | null;
  readonly lastStatusMs: number | null;
  /** The bundle the device last said it shows (activated or status). */
  readonly currentBundleId: string | null;
  readonly activatedMs: number | null;
  readonly enrolmentAttempts: number;
  readonly version: string | null;
}

export interface StoredBundle {
  readonly seq: number;
  readonly screenId: string;
  readonly bundleId: string;
  readonly kind: string;
  readonly issuedAt: string;
  readonly issuedAtMs: number;
  /** The exact bytes that were signed; offered to players unchanged. */
  readonly manifest: Buffer;
  readonly manifestSig: Buffer;
  readonly schedule: Buffer;
  readonly scheduleSig: Buffer;
  readonly publishedMs: number;
}

export type NewBundle = Omit<StoredBundle, 'seq'>;

export interface PlayRow {
  readonly recordId: string;
  readonly deviceId: string;
  readonly screenId: string;
  readonly bundleId: string;
  readonly noticeId: string | null;
  readonly pageId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly receivedMs: number;
}

/** Plays whose start lies in the half-open [fromMs, toMs); every field narrows. */
export interface PlayFilter {
  readonly fromMs?: number | undefined;
  readonly toMs?: number | undefined;
  readonly screenId?: string | undefined;
  readonly deviceId?: string | undefined;
}

export class HubDatabaseTooNewError extends Error {
  override readonly name = 'HubDatabaseTooNewError';
  readonly code = 'HUB_DATABASE_TOO_NEW';
  readonly path: string;
  readonly foundVersion: number;
  readonly supportedVersion: number;

  constructor(details: { path: string; foundVersion: number; supportedVersion: number }) {
    const { path, foundVersion, supportedVersion } = details;
    super(
      `${path} was written by a newer hub (database version ${foundVersion}; this hub knows up to ${supportedVersion}). ` +
        'Run the newer hub, or restore a backup made by this version; the file was not changed.',
    );
    this.path = path;
    this.foundVersion = foundVersion;
    this.supportedVersion = supportedVersion;
  }
}

export class HubDatabaseForeignError extends Error {
  override readonly name = 'HubDatabaseForeignError';
  readonly code = 'HUB_DATABASE_FOREIGN';
  constructor(readonly path: string) {
    super(`${path} is an SQLite database but not a hub's (a player's cache?). Point --data at the hub's own data directory.`);
  }
}

export class PublishRaceError extends Error {
  override readonly name = 'PublishRaceError';
  readonly code = 'PUBLISH_RACE';
  constructor(readonly screenId: string) {
    super(`screen ${screenId}: another publish stored a bundle while this one was verifying; nothing was stored. Run the publish again.`);
  }
}

// Append only: a migration that has shipped is never edited, a change is a new entry.
const MIGRATIONS: readonly { readonly name: string; readonly sql: string }[] = [
  {
    name: 'devices, bundles, plays',
    sql: `
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        public_key_pem TEXT NOT NULL,
        screen_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'revoked')),
        first_seen_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL,
        last_address TEXT,
        online INTEGER NOT NULL DEFAULT 0,
        last_status_json TEXT,
        last_status_ms INTEGER,
        current_bundle_id TEXT,
        activated_ms INTEGER,
        enrolment_attempts INTEGER NOT NULL DEFAULT 0,
        version TEXT
      );
      -- History is kept: the latest row per screen is current, the one before it is still
      -- served (players mid-switch may fetch its blobs), older ones document what was shown.
      CREATE TABLE bundles (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        screen_id TEXT NOT NULL,
        bundle_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        issued_at_ms INTEGER NOT NULL,
        manifest BLOB NOT NULL,
        manifest_sig BLOB NOT NULL,
        schedule BLOB NOT NULL,
        schedule_sig BLOB NOT NULL,
        published_ms INTEGER NOT NULL
      );
      CREATE INDEX bundles_by_screen ON bundles (screen_id, seq);
      CREATE INDEX bundles_by_id ON bundles (bundle_id);
      -- record_id is the player's own id: the primary key makes a re-sent batch a no-op.
      CREATE TABLE plays (
        record_id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        screen_id TEXT NOT NULL,
        bundle_id TEXT NOT NULL,
        notice_id TEXT,
        page_id TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL,
        received_ms INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX plays_by_start ON plays (start_ms);
    `,
  },
];

export const HUB_DATABASE_VERSION = MIGRATIONS.length;

interface DeviceSqlRow {
  id: string;
  public_key_pem: string;
  screen_id: string;
  state: DeviceState;
  first_seen_ms: number;
  last_seen_ms: number;
  last_address: string | null;
  online: number;
  last_status_json: string | null;
  last_status_ms: number | null;
  current_bundle_id: string | null;
  activated_ms: number | null;
  enrolment_attempts: number;
  version: string | null;
}

interface BundleSqlRow {
  seq: number;
  screen_id: string;
  bundle_id: string;
  kind: string;
  issued_at: string;
  issued_at_ms: number;
  manifest: Buffer;
  manifest_sig: Buffer;
  schedule: Buffer;
  schedule_sig: Buffer;
  published_ms: number;
}

interface PlaySqlRow {
  record_id: string;
  device_id: string;
  screen_id: string;
  bundle_id: string;
  notice_id: string | null;
  page_id: string;
  start_ms: number;
  end_ms: number;
  received_ms: number;
}

function toDevice(row: DeviceSqlRow): DeviceRecord {
  return {
    id: row.id,
    publicKeyPem: row.public_key_pem,
    screenId: row.screen_id,
    state: row.state,
    firstSeenMs: row.first_seen_ms,
    lastSeenMs: row.last_seen_ms,
    lastAddress: row.last_address,
    online: row.online === 1,
    // Written only by recordStatus() from a schema-checked message.
    lastStatus: row.last_status_json === null ? null : (JSON.parse(row.last_status_json) as DeviceStatus),
    lastStatusMs: row.last_status_ms,
    currentBundleId: row.current_bundle_id,
    activatedMs: row.activated_ms,
    enrolmentAttempts: row.enrolment_attempts,
    version: row.version,
  };
}

function toBundle(row: BundleSqlRow): StoredBundle {
  return {
    seq: row.seq,
    screenId: row.screen_id,
    bundleId: row.bundle_id,
    kind: row.kind,
    issuedAt: row.issued_at,
    issuedAtMs: row.issued_at_ms,
    manifest: row.manifest,
    manifestSig: row.manifest_sig,
    schedule: row.schedule,
    scheduleSig: row.schedule_sig,
    publishedMs: row.published_ms,
  };
}

function toPlay(row: PlaySqlRow): PlayRow {
  return {
    recordId: row.record_id,
    deviceId: row.device_id,
    screenId: row.screen_id,
    bundleId: row.bundle_id,
    noticeId: row.notice_id,
    pageId: row.page_id,
    startMs: row.start_ms,
    endMs: row.end_ms,
    receivedMs: row.received_ms,
  };
}

export class HubDatabase {
  private readonly statements;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {
    this.statements = {
      device: db.prepare<[string], DeviceSqlRow>('SELECT * FROM devices WHERE id = ?'),
      devices: db.prepare<[], DeviceSqlRow>('SELECT * FROM devices ORDER BY screen_id, id'),
      deviceStates: db.prepare<[], { id: string; state: DeviceState; screen_id: string }>('SELECT id, state, screen_id FROM devices'),
      insertPending: db.prepare(
        `INSERT INTO devices (id, public_key_pem, screen_id, state, first_seen_ms, last_seen_ms, last_address, enrolment_attempts, version)
         VALUES (@id, @publicKeyPem, @screenId, 'pending', @atMs, @atMs, @address, 1, @version)
         ON CONFLICT (id) DO UPDATE SET
           enrolment_attempts = enrolment_attempts + 1,
           last_seen_ms = excluded.last_seen_ms,
           last_address = excluded.last_address,
           version = excluded.version,
           -- while pending, the latest request names the screen the operator will approve
           screen_id = CASE WHEN state = 'pending' THEN excluded.screen_id ELSE screen_id END`,
      ),
      upsertApproved: db.prepare(
        `INSERT INTO devices (id, public_key_pem, screen_id, state, first_seen_ms, last_seen_ms)
         VALUES (@id, @publicKeyPem, @screenId, 'approved', @atMs, @atMs)
         ON CONFLICT (id) DO UPDATE SET state = 'approved', screen_id = excluded.screen_id`,
      ),
      setState: db.prepare('UPDATE devices SET state = ? WHERE id = ?'),
      markOnline: db.prepare('UPDATE devices SET online = 1, last_seen_ms = @atMs, last_address = @address, version = @version WHERE id = @id'),
      markOffline: db.prepare('UPDATE devices SET online = 0, last_seen_ms = ? WHERE id = ?'),
      markAllOffline: db.prepare('UPDATE devices SET online = 0 WHERE online = 1'),
      status: db.prepare(
        `UPDATE devices SET last_status_json = @json, last_status_ms = @atMs, last_seen_ms = @atMs,
           current_bundle_id = COALESCE(@bundleId, current_bundle_id) WHERE id = @id`,
      ),
      activated: db.prepare('UPDATE devices SET current_bundle_id = @bundleId, activated_ms = @atMs, last_seen_ms = @atMs WHERE id = @id'),
      insertBundle: db.prepare(
        `INSERT INTO bundles (screen_id, bundle_id, kind, issued_at, issued_at_ms, manifest, manifest_sig, schedule, schedule_sig, published_ms)
         VALUES (@screenId, @bundleId, @kind, @issuedAt, @issuedAtMs, @manifest, @manifestSig, @schedule, @scheduleSig, @publishedMs)`,
      ),
      recentBundles: db.prepare<[string, number], BundleSqlRow>('SELECT * FROM bundles WHERE screen_id = ? ORDER BY seq DESC LIMIT ?'),
      currentBundleIds: db.prepare<[], { screen_id: string; bundle_id: string }>(
        'SELECT screen_id, bundle_id FROM bundles WHERE seq IN (SELECT max(seq) FROM bundles GROUP BY screen_id) ORDER BY screen_id',
      ),
      bundleById: db.prepare<[string], BundleSqlRow>('SELECT * FROM bundles WHERE bundle_id = ? ORDER BY seq DESC LIMIT 1'),
      insertPlay: db.prepare(
        `INSERT OR IGNORE INTO plays (record_id, device_id, screen_id, bundle_id, notice_id, page_id, start_ms, end_ms, received_ms)
         VALUES (@id, @deviceId, @screenId, @bundleId, @noticeId, @pageId, @startMs, @endMs, @receivedMs)`,
      ),
      plays: db.prepare<Record<string, unknown>, PlaySqlRow>(
        `SELECT * FROM plays
         WHERE start_ms >= @fromMs AND start_ms < @toMs
           AND (@screenId IS NULL OR screen_id = @screenId)
           AND (@deviceId IS NULL OR device_id = @deviceId)
         ORDER BY start_ms, record_id`,
      ),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
    };
  }

  /** Opens (creating if needed) and migrates the hub database at `path`. */
  static open(path: string): HubDatabase {
    const db = openSqliteFile(path, {
      applicationId: APPLICATION_ID,
      migrations: MIGRATIONS.map((migration) => migration.sql),
      // NORMAL: a power cut may lose the last commits but never corrupts. insertPlays() turns
      // FULL on for its own commit, because its acknowledgement lets players delete records.
      synchronous: 'NORMAL',
      foreign: (file) => new HubDatabaseForeignError(file),
      tooNew: (file, foundVersion, supportedVersion) => new HubDatabaseTooNewError({ path: file, foundVersion, supportedVersion }),
    });
    return new HubDatabase(db, path);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Changes whenever another connection (another process) commits. Polling it is how the
   * running hub hears about `signage hub publish` and `signage hub devices approve|revoke`
   * without a second channel between the processes.
   */
  dataVersion(): number {
    return this.statements.dataVersion.get() as number;
  }

  // ---- devices ------------------------------------------------------------------------------

  device(id: string): DeviceRecord | undefined {
    const row = this.statements.device.get(id);
    return row && toDevice(row);
  }

  devices(): DeviceRecord[] {
    return this.statements.devices.all().map(toDevice);
  }

  /** id → state and screen of every device: cheap enough to check all connections against. */
  deviceStates(): Map<string, { state: DeviceState; screenId: string }> {
    return new Map(this.statements.deviceStates.all().map((row) => [row.id, { state: row.state, screenId: row.screen_id }]));
  }

  /** An unknown device asks to join, or a pending one asks again: remembered for the operator. */
  recordEnrolmentRequest(request: { id: string; publicKeyPem: string; screenId: string; address: string | null; version: string; atMs: number }): void {
    this.statements.insertPending.run(request);
  }

  /** Provisioning without a round trip (demo, benchmarks): the device is approved before it calls. */
  preapproveDevice(device: { id: string; publicKeyPem: string; screenId: string; atMs: number }): void {
    this.statements.upsertApproved.run(device);
  }

  /** Returns false when no device has that id. */
  setDeviceState(id: string, state: DeviceState): boolean {
    return this.statements.setState.run(state, id).changes === 1;
  }

  markOnline(update: { id: string; address: string | null; version: string; atMs: number }): void {
    this.statements.markOnline.run(update);
  }

  markOffline(id: string, atMs: number): void {
    this.statements.markOffline.run(atMs, id);
  }

  /** At hub start: whatever the last run recorded, nobody is connected to this one yet. */
  markAllOffline(): void {
    this.statements.markAllOffline.run();
  }

  recordStatus(update: { id: string; status: DeviceStatus; atMs: number }): void {
    this.statements.status.run({ id: update.id, json: JSON.stringify(update.status), atMs: update.atMs, bundleId: update.status.bundleId });
  }

  recordActivated(update: { id: string; bundleId: string; atMs: number }): void {
    this.statements.activated.run(update);
  }

  /** Runs several writes as one commit (device-writes.ts). */
  inOneTransaction(writes: () => void): void {
    this.db.transaction(writes)();
  }

  // ---- bundles ------------------------------------------------------------------------------

  /**
   * Stores several screens' bundles in one transaction: a publish is all or nothing.
   * `expectedCurrent` holds, per screen, the bundle id the caller saw as current when it ran
   * its replay check (null: none); if another process published in between, nothing is
   * stored and PublishRaceError is thrown, so two publishes can never interleave.
   */
  insertBundles(bundles: readonly NewBundle[], expectedCurrent: ReadonlyMap<string, string | null>): void {
    this.db
      .transaction(() => {
        for (const [screenId, expected] of expectedCurrent) {
          const actual = this.statements.recentBundles.get(screenId, 1)?.bundle_id ?? null;
          if (actual !== expected) throw new PublishRaceError(screenId);
        }
        for (const bundle of bundles) this.statements.insertBundle.run(bundle);
      })
      .immediate();
  }

  currentBundle(screenId: string): StoredBundle | undefined {
    const row = this.statements.recentBundles.get(screenId, 1);
    return row && toBundle(row);
  }

  /** The newest bundles of a screen, newest first. */
  recentBundles(screenId: string, count: number): StoredBundle[] {
    return this.statements.recentBundles.all(screenId, count).map(toBundle);
  }

  /** screen → id of its current bundle, without reading the bundles themselves. */
  currentBundleIds(): Map<string, string> {
    return new Map(this.statements.currentBundleIds.all().map((row) => [row.screen_id, row.bundle_id]));
  }

  bundleById(bundleId: string): StoredBundle | undefined {
    const row = this.statements.bundleById.get(bundleId);
    return row && toBundle(row);
  }

  /** Notice id → title, from the manifests of the given bundles (a later bundle's title wins). */
  noticeTitles(bundleIds: Iterable<string>): Map<string, string> {
    const bundles = [...new Set(bundleIds)].map((id) => this.statements.bundleById.get(id)).filter((row) => row !== undefined);
    bundles.sort((a, b) => a.seq - b.seq);
    const titles = new Map<string, string>();
    for (const bundle of bundles) {
      // Schema-checked when it was published.
      const manifest = JSON.parse(bundle.manifest.toString('utf8')) as { notices: { id: string; title: string }[] };
      for (const notice of manifest.notices) titles.set(notice.id, notice.title);
    }
    return titles;
  }

  /**
   * Notice id → its title and approval as the newest of these bundles records them (the play
   * report's approver columns). Manifests from before approvals were verified have no
   * `approver` or `verified`.
   */
  noticeApprovals(bundleIds: Iterable<string>): Map<string, { by: string; role: string; at: string; approver?: string; verified?: boolean }> {
    const bundles = [...new Set(bundleIds)].map((id) => this.statements.bundleById.get(id)).filter((row) => row !== undefined);
    bundles.sort((a, b) => a.seq - b.seq);
    const approvals = new Map<string, { by: string; role: string; at: string; approver?: string; verified?: boolean }>();
    for (const bundle of bundles) {
      // Schema-checked when it was published.
      const manifest = JSON.parse(bundle.manifest.toString('utf8')) as { notices: { id: string; approval: { by: string; role: string; at: string; approver?: string; verified?: boolean } }[] };
      for (const notice of manifest.notices) approvals.set(notice.id, notice.approval);
    }
    return approvals;
  }

  // ---- proof of play ------------------------------------------------------------------------

  /**
   * Stores a batch; a record id already stored is skipped, so a batch re-sent after a lost
   * acknowledgement adds nothing. Returns how many were new. The commit is fsynced
   * (synchronous=FULL) because the acknowledgement that follows lets the player delete them.
   */
  insertPlays(batch: { deviceId: string; screenId: string; records: readonly PlayRecord[]; receivedMs: number }): number {
    this.db.pragma('synchronous = FULL');
    try {
      return this.db.transaction(() => {
        let inserted = 0;
        for (const record of batch.records) {
          inserted += this.statements.insertPlay.run({
            id: record.id,
            deviceId: batch.deviceId,
            screenId: batch.screenId,
            bundleId: record.bundleId,
            noticeId: record.noticeId,
            pageId: record.pageId,
            startMs: record.startMs,
            endMs: record.endMs,
            receivedMs: batch.receivedMs,
          }).changes;
        }
        return inserted;
      })();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  plays(filter: PlayFilter = {}): PlayRow[] {
    return this.statements.plays
      .all({
        fromMs: filter.fromMs ?? Number.MIN_SAFE_INTEGER,
        toMs: filter.toMs ?? Number.MAX_SAFE_INTEGER,
        screenId: filter.screenId ?? null,
        deviceId: filter.deviceId ?? null,
      })
      .map(toPlay);
  }
}

