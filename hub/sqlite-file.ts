import Database from 'better-sqlite3';

// The station's two SQLite files (hub-database.ts, alert-database.ts) open the same way: one
// file shared by the running hub and the one-off commands (so a busy timeout and WAL), an
// application id that tells our file from anyone else's, and numbered migrations that each
// commit together with their version number, so a crash leaves the previous version.

export interface SqliteFileKind {
  /** PRAGMA application_id of this kind of file. */
  readonly applicationId: number;
  /** The SQL of each schema version, in order; user_version counts those applied. */
  readonly migrations: readonly string[];
  readonly synchronous: 'FULL' | 'NORMAL';
  /** The error for a file that is an SQLite database but not of this kind. */
  readonly foreign: (path: string) => Error;
  /** The error for a file written by a newer version (it is left unchanged). */
  readonly tooNew: (path: string, foundVersion: number, supportedVersion: number) => Error;
}

/** Opens (creating if needed) and migrates the file at `path`; closes it again on any failure. */
export function openSqliteFile(path: string, kind: SqliteFileKind): Database.Database {
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 5000');
    migrate(db, path, kind);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${kind.synchronous}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: Database.Database, path: string, kind: SqliteFileKind): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  if (applicationId !== kind.applicationId) {
    // Only an empty file may become one of ours; anything else belongs to someone else.
    const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
    if (applicationId !== 0 || tables > 0) throw kind.foreign(path);
    db.pragma(`application_id = ${kind.applicationId}`);
  }
  if (version > kind.migrations.length) throw kind.tooNew(path, version, kind.migrations.length);
  for (let next = version; next < kind.migrations.length; next += 1) {
    db.transaction(() => {
      db.exec(kind.migrations[next]!);
      db.pragma(`user_version = ${next + 1}`);
    })();
  }
}
