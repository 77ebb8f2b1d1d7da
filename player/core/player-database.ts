import Database from 'better-sqlite3';

// The player's whole state lives in one SQLite file: identity, bundles, blobs, download
// progress, proof of play. A power cut can strike at any instant at a commune, so:
// - WAL with synchronous=FULL: a committed activation survives power loss (NORMAL could lose
//   the last commits; neither mode corrupts the file). Download progress alone is committed
//   with NORMAL (bundle-store.ts): losing it costs a re-fetch, not an fsync per chunk.
// - Every change that must be all-or-nothing is one transaction (see bundle-store.ts).
// - The schema is versioned with PRAGMA user_version and migrated forward in numbered steps,
//   each step in its own transaction together with the version bump. A file written by a
//   newer player is refused with a named error before anything is written to it: an older
//   binary must never "repair" a schema it does not understand.

export type PlayerDatabase = Database.Database;

/** Numbered migrations: index i brings the schema from version i to version i + 1. */
export type Migration = string | ((db: PlayerDatabase) => void);

export const PLAYER_MIGRATIONS: readonly Migration[] = [
  // 1: the initial schema.
  `
  CREATE TABLE device_identity (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_ms INTEGER NOT NULL
  ) STRICT;

  -- state is the active/previous pointer as well as the lifecycle, so the two can never
  -- disagree: the partial unique indexes let the database itself guarantee at most one active
  -- and one previous bundle. 'pending' = offered and verified, blobs still arriving.
  CREATE TABLE bundles (
    id TEXT PRIMARY KEY,
    screen TEXT NOT NULL,
    manifest BLOB NOT NULL,
    manifest_sig BLOB NOT NULL,
    schedule BLOB NOT NULL,
    schedule_sig BLOB NOT NULL,
    issued_at_ms INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'previous', 'retired')),
    received_ms INTEGER NOT NULL,
    activated_ms INTEGER
  ) STRICT;
  CREATE UNIQUE INDEX bundles_one_active ON bundles (state) WHERE state = 'active';
  CREATE UNIQUE INDEX bundles_one_previous ON bundles (state) WHERE state = 'previous';

  -- Which blobs each bundle needs, copied from its (verified) manifest so that SQL can answer
  -- "what is missing" and "what may be pruned" without parsing JSON.
  CREATE TABLE bundle_blobs (
    bundle_id TEXT NOT NULL REFERENCES bundles (id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    PRIMARY KEY (bundle_id, hash)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX bundle_blobs_hash ON bundle_blobs (hash);

  -- Only blobs whose sha256 matched their name are ever inserted here.
  CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    bytes BLOB NOT NULL,
    verified_ms INTEGER NOT NULL
  ) STRICT;

  -- A blob being fetched: how much has arrived (the resume offset), how often it failed and
  -- why, and when to try again. Survives restarts, so an interrupted or failed blob is fetched
  -- again even when the hub offers the same manifest.
  CREATE TABLE blob_downloads (
    hash TEXT PRIMARY KEY,
    total INTEGER NOT NULL,
    received INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    retry_after_ms INTEGER NOT NULL DEFAULT 0,
    updated_ms INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE blob_chunks (
    hash TEXT NOT NULL REFERENCES blob_downloads (hash) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (hash, position)
  ) STRICT;

  -- Proof of play. end_ms is the planned end while the page is on screen (closed = 0) and
  -- the actual end once it has left; only closed records are uploaded, and a record is
  -- deleted only when the hub has acknowledged it.
  CREATE TABLE plays (
    id TEXT PRIMARY KEY,
    bundle_id TEXT NOT NULL,
    notice_id TEXT,
    page_id TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE INDEX plays_closed ON plays (closed, start_ms);

  CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;
  `,
  // 2: emergency statements (see emergency-store.ts): kept as their exact signed bytes and
  // verified again at start, so a warning survives a restart or a power cut until it expires
  // or is cancelled. ack_state is what the hub was last told.
  `
  CREATE TABLE emergency_statements (
    id TEXT PRIMARY KEY,
    alert_key TEXT NOT NULL,
    statement BLOB NOT NULL,
    signature BLOB NOT NULL,
    signed_at_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    ack_state TEXT,
    ack_at_ms INTEGER
  ) STRICT;
  CREATE INDEX emergency_statements_by_key ON emergency_statements (alert_key, signed_at_ms);
  `,
];

export class PlayerDatabaseTooNewError extends Error {
  override readonly name = 'PlayerDatabaseTooNewError';
  constructor(
    readonly path: string,
    readonly foundVersion: number,
    readonly supportedVersion: number,
  ) {
    super(
      `${path} has schema version ${foundVersion}, but this player reads up to ${supportedVersion}: ` +
        'it was written by a newer player. Install that version again (the file is left untouched).',
    );
  }
}

export interface OpenPlayerDatabaseOptions {
  readonly path: string;
  /** For tests of the migration machinery; production always uses PLAYER_MIGRATIONS. */
  readonly migrations?: readonly Migration[];
}

export function schemaVersion(db: PlayerDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function openPlayerDatabase(options: OpenPlayerDatabaseOptions): PlayerDatabase {
  const migrations = options.migrations ?? PLAYER_MIGRATIONS;
  const db = new Database(options.path);
  try {
    // Check the version before anything writes to the file (even switching to WAL does).
    const found = schemaVersion(db);
    if (found > migrations.length) throw new PlayerDatabaseTooNewError(options.path, found, migrations.length);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`${options.path}: SQLite refused WAL mode (got ${String(mode)})`);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Another handle (a maintenance tool, a test reading the file) must not make us fail.
    db.pragma('busy_timeout = 5000');
    for (let version = found + 1; version <= migrations.length; version += 1) {
      const migration = migrations[version - 1]!;
      db.transaction(() => {
        if (typeof migration === 'string') db.exec(migration);
        else migration(db);
        db.pragma(`user_version = ${version}`);
      })();
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A small key/value table for scalar state (offline-since, last clock offset, …). */
export class KeyValueStore {
  private readonly getStatement;
  private readonly setStatement;
  private readonly deleteStatement;

  constructor(db: PlayerDatabase) {
    this.getStatement = db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?');
    this.setStatement = db.prepare<[string, string]>('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.deleteStatement = db.prepare<[string]>('DELETE FROM kv WHERE key = ?');
  }

  get(key: string): string | undefined {
    return this.getStatement.get(key)?.value;
  }

  set(key: string, value: string): void {
    this.setStatement.run(key, value);
  }

  delete(key: string): void {
    this.deleteStatement.run(key);
  }
}
