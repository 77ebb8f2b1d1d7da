import type { z } from 'zod';
import type { emergencyAckMessage, emergencyMessage } from '../compiler/format/wire-messages.ts';
import type { AlertDatabase, StatementRow } from './alert-database.ts';
import type { Logger } from '../compiler/format/logger.ts';
import { BatchedWrites } from './batched-writes.ts';

// The running hub's side of the emergency path. Statements are written to alerts.sqlite by
// other processes (`signage cap ingest|cancel|watch`, a publish of an emergency notice); the
// hub polls that file's PRAGMA data_version (every 100 ms by default) and sends each new
// statement at once to the connected players of its screen, and every statement still
// relevant to a player right after its welcome, before the content offer. A statement is
// one text frame encoded once and shared by every socket of the screen. It goes out ahead
// of queued blob transfers: a blob stream keeps at most about two chunks in the socket's
// buffer (device-session.ts), and the statement is written behind those, not behind the
// rest of the blob queue.
// Acknowledgements are batched into one transaction every `ackFlushMs`.

type EmergencyAck = z.infer<typeof emergencyAckMessage>;

export interface EmergencySession {
  readonly deviceId: string | null;
  readonly screenId: string | null;
  /** Sends a text frame as it is. */
  sendFrame(frame: Buffer): void;
}

interface CachedStatement {
  readonly seq: number;
  readonly id: string;
  readonly frame: Buffer;
  readonly relevantUntilMs: number;
}

function frameOf(row: StatementRow): Buffer {
  const message: z.infer<typeof emergencyMessage> = { type: 'emergency', statement: row.bytes.toString('base64'), signature: row.signature.toString('base64') };
  return Buffer.from(JSON.stringify(message), 'utf8');
}

export class EmergencyDispatch {
  private readonly byScreen = new Map<string, CachedStatement[]>();
  private readonly screenOfStatement = new Map<string, string>();
  private lastSeq = 0;
  private lastVersion = -1;
  private poller: NodeJS.Timeout | undefined;
  private readonly acks: BatchedWrites<{ statementId: string; deviceId: string; screenId: string; state: string; reason: string | null; playerAtMs: number; receivedMs: number }>;

  constructor(
    private readonly options: {
      readonly db: AlertDatabase;
      readonly sessionsOf: (screenId: string) => Iterable<EmergencySession>;
      readonly clock: () => number;
      readonly logger: Logger;
      readonly pollMs?: number;
      readonly ackFlushMs?: number;
    },
  ) {
    const { db, logger } = options;
    this.acks = new BatchedWrites({
      write: (batch) => db.transaction(() => batch.forEach((ack) => db.recordAck(ack))),
      delayMs: options.ackFlushMs ?? 20,
      // The players send their acknowledgements again after every reconnect.
      onError: (error, count) => logger.error('cannot store emergency acknowledgements', { count, error: error.message }),
    });
  }

  start(): void {
    const { db, clock } = this.options;
    for (const row of db.relevantStatements(clock())) this.add(row);
    this.lastSeq = db.maxStatementSeq();
    this.lastVersion = db.dataVersion();
    this.poller = setInterval(() => this.poll(), this.options.pollMs ?? 100);
  }

  /** Looks for statements stored by other processes and sends them; also run by the poller. */
  poll(options: { force?: boolean } = {}): void {
    const { db, logger } = this.options;
    try {
      const version = db.dataVersion();
      if (version === this.lastVersion && !options.force) return;
      this.lastVersion = version;
      const rows = db.statementsAfter(this.lastSeq);
      for (const row of rows) {
        this.lastSeq = Math.max(this.lastSeq, row.seq);
        const cached = this.add(row);
        let players = 0;
        for (const session of this.options.sessionsOf(row.screenId)) {
          session.sendFrame(cached.frame);
          players += 1;
        }
        logger.info('emergency statement sent', { alertKey: row.alertKey, kind: row.kind, screenId: row.screenId, statementId: row.id, players });
      }
      this.forgetIrrelevant();
    } catch (error) {
      logger.error('cannot read the alert record', { error: (error as Error).message });
    }
  }

  /** Right after a welcome, before the content offer: everything the player must hold. */
  welcomed(session: EmergencySession): void {
    if (session.screenId === null) return;
    const nowMs = this.options.clock();
    for (const cached of this.byScreen.get(session.screenId) ?? []) {
      if (cached.relevantUntilMs > nowMs) session.sendFrame(cached.frame);
    }
  }

  /** A player's acknowledgement; one for a statement of another screen is logged and dropped. */
  acknowledged(session: EmergencySession, ack: EmergencyAck): void {
    if (session.deviceId === null || session.screenId === null) return;
    const screen = this.screenOfStatement.get(ack.statementId) ?? this.options.db.statementTarget(ack.statementId)?.screenId;
    if (screen !== session.screenId) {
      this.options.logger.warn('emergency acknowledgement for a statement not sent to this screen: ignored', { deviceId: session.deviceId, statementId: ack.statementId });
      return;
    }
    this.acks.add({ statementId: ack.statementId, deviceId: session.deviceId, screenId: session.screenId, state: ack.state, reason: ack.reason ?? null, playerAtMs: ack.atMs, receivedMs: this.options.clock() });
  }

  flushAcks(): void {
    this.acks.flush();
  }

  close(): void {
    clearInterval(this.poller);
    this.flushAcks();
  }

  private add(row: StatementRow): CachedStatement {
    const cached: CachedStatement = { seq: row.seq, id: row.id, frame: frameOf(row), relevantUntilMs: row.relevantUntilMs };
    let list = this.byScreen.get(row.screenId);
    if (!list) this.byScreen.set(row.screenId, (list = []));
    list.push(cached);
    this.screenOfStatement.set(row.id, row.screenId);
    return cached;
  }

  private forgetIrrelevant(): void {
    const nowMs = this.options.clock();
    for (const [screen, list] of this.byScreen) {
      const kept = list.filter((cached) => cached.relevantUntilMs > nowMs);
      if (kept.length === list.length) continue;
      for (const gone of list.filter((cached) => cached.relevantUntilMs <= nowMs)) this.screenOfStatement.delete(gone.id);
      if (kept.length === 0) this.byScreen.delete(screen);
      else this.byScreen.set(screen, kept);
    }
  }
}
