import type Database from 'better-sqlite3';
import { openSqliteFile } from './sqlite-file.ts';

// The station's record of the emergency path, in its own SQLite file beside the hub's
// (DATA/alerts.sqlite), so the CAP commands and the hub's content tables evolve apart:
//   alerts      every alert the station was given, accepted or refused, with the decision
//               and the reason (a refused alert is stored as refused and never shown);
//   statements  the signed statements made from them, one per affected screen;
//   acks        what each player did with each statement (displayed, applied, refused…);
//   feed_seen   what `signage cap watch` has already read, so a restart does not re-ingest.
// `signage cap ingest|cancel|watch` write here; the running hub polls PRAGMA data_version and
// pushes new statements at once (see emergency-dispatch.ts). WAL mode, so the CLI writes
// while the hub reads; migrations by user_version as in hub-database.ts.

export const ALERT_DATABASE_FILE = 'alerts.sqlite';

/** 'ALR1': marks the file, so that a hub or player database is not opened by mistake. */
const APPLICATION_ID = 0x414c5231;

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- "sender,identifier,sent"; NULL for input that could not be read far enough to have one
    key TEXT UNIQUE,
    site TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('cap', 'notice', 'operator')),
    -- show | cancel | refuse | not-for-site | unreadable
    kind TEXT NOT NULL,
    -- active | cancelled | replaced | refused | not-for-site | cancel | ended
    status TEXT NOT NULL,
    code TEXT,
    reason TEXT,
    headline TEXT,
    presentation TEXT,
    risk_level INTEGER,
    exercise INTEGER NOT NULL DEFAULT 0,
    issued_ms INTEGER,
    expires_ms INTEGER,
    decision_json TEXT,
    source TEXT NOT NULL,
    source_hash TEXT,
    ingested_ms INTEGER NOT NULL,
    -- the operator's or sender's cancel that ended it, when one did
    ended_by TEXT,
    ended_ms INTEGER
  );
  CREATE INDEX alerts_by_ingest ON alerts (ingested_ms);

  CREATE TABLE statements (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    alert_key TEXT NOT NULL,
    screen_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    bytes BLOB NOT NULL,
    signature BLOB NOT NULL,
    signed_at_ms INTEGER NOT NULL,
    -- after this the statement no longer matters to a player connecting (expired alert)
    relevant_until_ms INTEGER NOT NULL
  );
  CREATE INDEX statements_by_screen ON statements (screen_id, seq);
  CREATE INDEX statements_by_alert ON statements (alert_key);

  CREATE TABLE acks (
    statement_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    screen_id TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    player_at_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    -- the first time the player reported the statement displayed or applied, and when the hub heard it
    done_player_ms INTEGER,
    done_received_ms INTEGER,
    PRIMARY KEY (statement_id, device_id)
  ) WITHOUT ROWID;

  CREATE TABLE feed_seen (
    feed TEXT NOT NULL,
    entry TEXT NOT NULL,
    seen_ms INTEGER NOT NULL,
    PRIMARY KEY (feed, entry)
  ) WITHOUT ROWID;
  `,
];

export const ALERT_DATABASE_VERSION = MIGRATIONS.length;

export type AlertOrigin = 'cap' | 'notice' | 'operator';

export interface AlertRow {
  readonly id: number;
  readonly key: string | null;
  readonly site: string;
  readonly origin: AlertOrigin;
  readonly kind: string;
  readonly status: string;
  readonly code: string | null;
  readonly reason: string | null;
  readonly headline: string | null;
  readonly presentation: string | null;
  readonly riskLevel: number | null;
  readonly exercise: boolean;
  readonly issuedMs: number | null;
  readonly expiresMs: number | null;
  readonly source: string;
  readonly ingestedMs: number;
  readonly endedBy: string | null;
  readonly endedMs: number | null;
}

export type NewAlert = Omit<AlertRow, 'id' | 'endedBy' | 'endedMs'> & { readonly decisionJson: string | null; readonly sourceHash: string | null };

export interface StatementRow {
  readonly seq: number;
  readonly id: string;
  readonly alertKey: string;
  readonly screenId: string;
  readonly kind: string;
  readonly bytes: Buffer;
  readonly signature: Buffer;
  readonly signedAtMs: number;
  readonly relevantUntilMs: number;
}

export type NewStatement = Omit<StatementRow, 'seq'>;

export interface AckRow {
  readonly statementId: string;
  readonly deviceId: string;
  readonly screenId: string;
  readonly state: string;
  readonly reason: string | null;
  readonly playerAtMs: number;
  readonly receivedMs: number;
  readonly donePlayerMs: number | null;
  readonly doneReceivedMs: number | null;
}

export class AlertDatabaseError extends Error {
  override readonly name = 'AlertDatabaseError';
  constructor(
    readonly code: 'ALERT_DATABASE_TOO_NEW' | 'ALERT_DATABASE_FOREIGN',
    message: string,
  ) {
    super(message);
  }
}

interface AlertSqlRow {
  id: number;
  key: string | null;
  site: string;
  origin: AlertOrigin;
  kind: string;
  status: string;
  code: string | null;
  reason: string | null;
  headline: string | null;
  presentation: string | null;
  risk_level: number | null;
  exercise: number;
  issued_ms: number | null;
  expires_ms: number | null;
  source: string;
  ingested_ms: number;
  ended_by: string | null;
  ended_ms: number | null;
}

function toAlert(row: AlertSqlRow): AlertRow {
  return {
    id: row.id,
    key: row.key,
    site: row.site,
    origin: row.origin,
    kind: row.kind,
    status: row.status,
    code: row.code,
    reason: row.reason,
    headline: row.headline,
    presentation: row.presentation,
    riskLevel: row.risk_level,
    exercise: row.exercise === 1,
    issuedMs: row.issued_ms,
    expiresMs: row.expires_ms,
    source: row.source,
    ingestedMs: row.ingested_ms,
    endedBy: row.ended_by,
    endedMs: row.ended_ms,
  };
}

interface StatementSqlRow {
  seq: number;
  id: string;
  alert_key: string;
  screen_id: string;
  kind: string;
  bytes: Buffer;
  signature: Buffer;
  signed_at_ms: number;
  relevant_until_ms: number;
}

function toStatement(row: StatementSqlRow): StatementRow {
  return {
    seq: row.seq,
    id: row.id,
    alertKey: row.alert_key,
    screenId: row.screen_id,
    kind: row.kind,
    bytes: row.bytes,
    signature: row.signature,
    signedAtMs: row.signed_at_ms,
    relevantUntilMs: row.relevant_until_ms,
  };
}

interface AckSqlRow {
  statement_id: string;
  device_id: string;
  screen_id: string;
  state: string;
  reason: string | null;
  player_at_ms: number;
  received_ms: number;
  done_player_ms: number | null;
  done_received_ms: number | null;
}

function toAck(row: AckSqlRow): AckRow {
  return {
    statementId: row.statement_id,
    deviceId: row.device_id,
    screenId: row.screen_id,
    state: row.state,
    reason: row.reason,
    playerAtMs: row.player_at_ms,
    receivedMs: row.received_ms,
    donePlayerMs: row.done_player_ms,
    doneReceivedMs: row.done_received_ms,
  };
}

export class AlertDatabase {
  private readonly statements;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {
    this.statements = {
      alertByKey: db.prepare<[string], AlertSqlRow>('SELECT * FROM alerts WHERE key = ?'),
      alerts: db.prepare<[], AlertSqlRow>('SELECT * FROM alerts ORDER BY ingested_ms DESC, id DESC'),
      insertAlert: db.prepare(
        `INSERT INTO alerts (key, site, origin, kind, status, code, reason, headline, presentation, risk_level, exercise, issued_ms, expires_ms, decision_json, source, source_hash, ingested_ms)
         VALUES (@key, @site, @origin, @kind, @status, @code, @reason, @headline, @presentation, @riskLevel, @exercise, @issuedMs, @expiresMs, @decisionJson, @source, @sourceHash, @ingestedMs)`,
      ),
      endAlert: db.prepare(`UPDATE alerts SET status = @status, ended_by = @endedBy, ended_ms = @endedMs WHERE key = @key AND status = 'active'`),
      insertStatement: db.prepare(
        `INSERT OR IGNORE INTO statements (id, alert_key, screen_id, kind, bytes, signature, signed_at_ms, relevant_until_ms)
         VALUES (@id, @alertKey, @screenId, @kind, @bytes, @signature, @signedAtMs, @relevantUntilMs)`,
      ),
      statementsAfter: db.prepare<[number], StatementSqlRow>('SELECT * FROM statements WHERE seq > ? ORDER BY seq'),
      relevantStatements: db.prepare<[number], StatementSqlRow>('SELECT * FROM statements WHERE relevant_until_ms > ? ORDER BY seq'),
      statementsOfAlert: db.prepare<[string], StatementSqlRow>('SELECT * FROM statements WHERE alert_key = ? ORDER BY seq'),
      statementScreen: db.prepare<[string], { screen_id: string; alert_key: string }>('SELECT screen_id, alert_key FROM statements WHERE id = ?'),
      upsertAck: db.prepare(
        `INSERT INTO acks (statement_id, device_id, screen_id, state, reason, player_at_ms, received_ms, done_player_ms, done_received_ms)
         VALUES (@statementId, @deviceId, @screenId, @state, @reason, @playerAtMs, @receivedMs, @donePlayerMs, @doneReceivedMs)
         ON CONFLICT (statement_id, device_id) DO UPDATE SET
           state = excluded.state, reason = excluded.reason, player_at_ms = excluded.player_at_ms, received_ms = excluded.received_ms,
           done_player_ms = COALESCE(acks.done_player_ms, excluded.done_player_ms),
           done_received_ms = COALESCE(acks.done_received_ms, excluded.done_received_ms)`,
      ),
      acksOfStatement: db.prepare<[string], AckSqlRow>('SELECT * FROM acks WHERE statement_id = ? ORDER BY device_id'),
      seen: db.prepare<[string, string], { seen_ms: number }>('SELECT seen_ms FROM feed_seen WHERE feed = ? AND entry = ?'),
      markSeen: db.prepare('INSERT OR IGNORE INTO feed_seen (feed, entry, seen_ms) VALUES (?, ?, ?)'),
      maxSeq: db.prepare('SELECT COALESCE(max(seq), 0) FROM statements').pluck(),
      // One statement per alert is enough: every screen's bundle names the same notice.
      showStatements: db.prepare<[], { bytes: Buffer }>("SELECT bytes FROM statements WHERE seq IN (SELECT min(seq) FROM statements WHERE kind = 'show' GROUP BY alert_key)"),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
    };
  }

  /**
   * `synchronous` FULL (the default, for the commands): an accepted warning or a cancel must
   * survive a power cut at the station. The running hub opens it NORMAL: it only writes
   * acknowledgements, which players send again after every reconnect.
   */
  static open(path: string, options: { synchronous?: 'FULL' | 'NORMAL' } = {}): AlertDatabase {
    const db = openSqliteFile(path, {
      applicationId: APPLICATION_ID,
      migrations: MIGRATIONS,
      synchronous: options.synchronous ?? 'FULL',
      foreign: (file) => new AlertDatabaseError('ALERT_DATABASE_FOREIGN', `${file} is an SQLite database but not the station's alert record; point --hub-data at the hub's data directory`),
      tooNew: (file, found, supported) =>
        new AlertDatabaseError('ALERT_DATABASE_TOO_NEW', `${file} was written by a newer version (alert database version ${found}; this one knows up to ${supported}); the file was not changed`),
    });
    return new AlertDatabase(db, path);
  }

  close(): void {
    this.db.close();
  }

  /** Changes when another connection commits: how the hub hears of an ingest or a cancel. */
  dataVersion(): number {
    return this.statements.dataVersion.get() as number;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  alert(key: string): AlertRow | undefined {
    const row = this.statements.alertByKey.get(key);
    return row && toAlert(row);
  }

  /** Newest first. */
  alerts(): AlertRow[] {
    return this.statements.alerts.all().map(toAlert);
  }

  insertAlert(alert: NewAlert): void {
    this.statements.insertAlert.run({ ...alert, exercise: alert.exercise ? 1 : 0 });
  }

  /** Marks an active alert as ended (cancelled, replaced); false if it was not active. */
  endAlert(update: { key: string; status: 'cancelled' | 'replaced' | 'ended'; endedBy: string; endedMs: number }): boolean {
    return this.statements.endAlert.run(update).changes === 1;
  }

  insertStatement(statement: NewStatement): void {
    this.statements.insertStatement.run(statement);
  }

  statementsAfter(seq: number): StatementRow[] {
    return this.statements.statementsAfter.all(seq).map(toStatement);
  }

  /** Statements a player connecting at `nowMs` must hold: every one still relevant. */
  relevantStatements(nowMs: number): StatementRow[] {
    return this.statements.relevantStatements.all(nowMs).map(toStatement);
  }

  statementsOfAlert(key: string): StatementRow[] {
    return this.statements.statementsOfAlert.all(key).map(toStatement);
  }

  statementTarget(id: string): { screenId: string; alertKey: string } | undefined {
    const row = this.statements.statementScreen.get(id);
    return row && { screenId: row.screen_id, alertKey: row.alert_key };
  }

  /** Notice id → title and approval of every emergency bundle signed here (for the play report). */
  emergencyNotices(): Map<string, { title: string; approval: { by: string; role: string; at: string } }> {
    const notices = new Map<string, { title: string; approval: { by: string; role: string; at: string } }>();
    for (const row of this.statements.showStatements.all()) {
      // Signed and schema-checked when it was made or published.
      const statement = JSON.parse(row.bytes.toString('utf8')) as { manifest?: { notices: { id: string; title: string; approval: { by: string; role: string; at: string } }[] } };
      for (const notice of statement.manifest?.notices ?? []) notices.set(notice.id, { title: notice.title, approval: notice.approval });
    }
    return notices;
  }

  maxStatementSeq(): number {
    return this.statements.maxSeq.get() as number;
  }

  recordAck(ack: { statementId: string; deviceId: string; screenId: string; state: string; reason: string | null; playerAtMs: number; receivedMs: number }): void {
    const done = ack.state === 'displayed' || ack.state === 'applied';
    this.statements.upsertAck.run({ ...ack, donePlayerMs: done ? ack.playerAtMs : null, doneReceivedMs: done ? ack.receivedMs : null });
  }

  acks(statementId: string): AckRow[] {
    return this.statements.acksOfStatement.all(statementId).map(toAck);
  }

  seen(feed: string, entry: string): boolean {
    return this.statements.seen.get(feed, entry) !== undefined;
  }

  markSeen(feed: string, entry: string, atMs: number): void {
    this.statements.markSeen.run(feed, entry, atMs);
  }
}

