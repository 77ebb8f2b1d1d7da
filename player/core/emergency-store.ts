import type { KeyObject } from 'node:crypto';
import type { HeldStatement } from '../../compiler/cap/emergency-view.ts';
import { sha256Hex } from '../../compiler/trust/station-key.ts';
import { StatementRefusedError, verifyStatement } from '../../compiler/trust/emergency-signing.ts';
import type { PlayerDatabase } from './player-database.ts';

// The emergency statements a player holds, in its SQLite file (table emergency_statements,
// migration 2), as the exact bytes the station signed. Every statement is verified against the
// pinned station key when it arrives and again when the player starts, so a row altered on
// disk is dropped, never shown. What to show is decided elsewhere (emergency-view.ts) from
// what is held here and the clock.
//
// Replays: a statement about an alert for which the player already holds a statement signed
// at the same instant or later is refused (EMERGENCY_REPLAY), so an old statement captured on
// the network cannot bring back a version that an Update replaced or a cancel withdrew. A
// replayed statement of an alert that has since expired changes nothing: expired alerts are
// never shown. Statements are forgotten only a week after they stopped mattering.

export type AcceptOutcome =
  | { readonly outcome: 'accepted'; readonly id: string; readonly alertKey: string }
  | { readonly outcome: 'duplicate'; readonly id: string }
  | { readonly outcome: 'refused'; readonly id: string; readonly code: string; readonly reason: string };

export interface StoredAck {
  readonly state: string;
  readonly atMs: number;
}

interface Row {
  id: string;
  alert_key: string;
  statement: Buffer;
  signature: Buffer;
  signed_at_ms: number;
  ack_state: string | null;
  ack_at_ms: number | null;
}

/** How long a statement is kept after it stopped mattering: late duplicates are recognised. */
export const EMERGENCY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export class EmergencyStore {
  private readonly statements;
  private held: HeldStatement[] = [];
  private readonly acks = new Map<string, StoredAck>();

  constructor(
    private readonly db: PlayerDatabase,
    private readonly options: { readonly screenId: string; readonly stationPublicKey: KeyObject },
  ) {
    this.statements = {
      all: db.prepare<[], Row>('SELECT * FROM emergency_statements ORDER BY signed_at_ms, id'),
      byKey: db.prepare<[string], { id: string; signed_at_ms: number }>('SELECT id, signed_at_ms FROM emergency_statements WHERE alert_key = ? ORDER BY signed_at_ms DESC'),
      insert: db.prepare('INSERT INTO emergency_statements (id, alert_key, statement, signature, signed_at_ms, received_ms) VALUES (?, ?, ?, ?, ?, ?)'),
      remove: db.prepare<[string]>('DELETE FROM emergency_statements WHERE id = ?'),
      ack: db.prepare<[string, number, string]>('UPDATE emergency_statements SET ack_state = ?, ack_at_ms = ? WHERE id = ?'),
    };
  }

  /** Reads and verifies every stored statement; returns the problems (rows dropped). */
  load(): string[] {
    const problems: string[] = [];
    const held: HeldStatement[] = [];
    this.acks.clear();
    for (const row of this.statements.all.all()) {
      try {
        const verified = verifyStatement({ bytes: row.statement, signature: row.signature, publicKey: this.options.stationPublicKey, screenId: this.options.screenId });
        held.push(verified);
        if (row.ack_state !== null && row.ack_at_ms !== null) this.acks.set(row.id, { state: row.ack_state, atMs: row.ack_at_ms });
      } catch (error) {
        if (!(error instanceof StatementRefusedError)) throw error;
        problems.push(`stored emergency statement ${row.id}: ${error.message}`);
        this.statements.remove.run(row.id);
      }
    }
    this.held = held;
    return problems;
  }

  all(): readonly HeldStatement[] {
    return this.held;
  }

  /** Verifies and stores one statement (committed before this returns). */
  accept(options: { bytes: Buffer; signature: Buffer; nowMs: number }): AcceptOutcome {
    const id = sha256Hex(options.bytes);
    if (this.held.some((entry) => entry.id === id)) return { outcome: 'duplicate', id };
    let verified;
    try {
      verified = verifyStatement({ bytes: options.bytes, signature: options.signature, publicKey: this.options.stationPublicKey, screenId: this.options.screenId });
    } catch (error) {
      if (!(error instanceof StatementRefusedError)) throw error;
      return { outcome: 'refused', id, code: error.code, reason: error.message };
    }
    const key = verified.statement.decision.key;
    const newer = this.statements.byKey.all(key).find((row) => row.signed_at_ms >= verified.statement.signedAtMs);
    if (newer) {
      return {
        outcome: 'refused',
        id,
        code: 'EMERGENCY_REPLAY',
        reason: `EMERGENCY_REPLAY: the statement about ${key} was signed at ${new Date(verified.statement.signedAtMs).toISOString()}, not after the one this player holds (${newer.id}); an older statement is never applied again`,
      };
    }
    this.db.transaction(() => {
      // The newest statement about an alert replaces the older ones (a re-issue after a fix).
      for (const older of this.statements.byKey.all(key)) this.statements.remove.run(older.id);
      this.statements.insert.run(id, key, options.bytes, options.signature, verified.statement.signedAtMs, options.nowMs);
    })();
    this.held = [...this.held.filter((entry) => entry.statement.decision.key !== key), verified];
    return { outcome: 'accepted', id, alertKey: key };
  }

  ack(id: string): StoredAck | undefined {
    return this.acks.get(id);
  }

  recordAck(id: string, ack: StoredAck): void {
    this.acks.set(id, ack);
    this.statements.ack.run(ack.state, ack.atMs, id);
  }

  /**
   * Forgets statements that can no longer matter: an alert a week after it expired (and the
   * statements acting on it with it), a cancel or replacement a week after it was signed once
   * nothing it acts on is held.
   */
  prune(nowMs: number): number {
    const cutoff = nowMs - EMERGENCY_RETENTION_MS;
    const gone = new Set<string>();
    const heldKeys = () => new Set(this.held.filter((entry) => !gone.has(entry.id)).map((entry) => entry.statement.decision.key));
    for (const entry of this.held) {
      const { decision } = entry.statement;
      if (decision.kind === 'show' && decision.expiresMs <= cutoff) gone.add(entry.id);
    }
    const keys = heldKeys();
    for (const entry of this.held) {
      const { decision } = entry.statement;
      if (decision.kind === 'show' || entry.statement.signedAtMs > cutoff) continue;
      const acted = decision.kind === 'cancel' ? decision.targets : decision.replaces;
      if (!acted.some((key) => keys.has(key))) gone.add(entry.id);
    }
    if (gone.size === 0) return 0;
    this.db.transaction(() => {
      for (const id of gone) this.statements.remove.run(id);
    })();
    this.held = this.held.filter((entry) => !gone.has(entry.id));
    for (const id of gone) this.acks.delete(id);
    return gone.size;
  }
}
