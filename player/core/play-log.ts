import type { PlayRecord } from '../../compiler/format/wire-messages.ts';
import type { PlayerDatabase } from './player-database.ts';
import { preparedOnce } from './statement-cache.ts';

// Proof of play in SQLite. A record is inserted when its page goes on screen (so a crash does
// not lose it), closed when the page leaves, uploaded only once closed, and deleted only when
// the hub acknowledges its id. Record ids are derived from what was shown (see playback.ts),
// so a restart during the same page finds the same record instead of making a second one.

export interface OpenPlay {
  readonly id: string;
  readonly bundleId: string;
  readonly noticeId: string | null;
  readonly pageId: string;
  readonly startMs: number;
  /** When the page is due to leave the screen. */
  readonly plannedEndMs: number;
}

interface PlayRow {
  id: string;
  bundle_id: string;
  notice_id: string | null;
  page_id: string;
  start_ms: number;
  end_ms: number;
  closed: number;
}

export class PlayLog {
  private readonly sql: PlayerDatabase['prepare'];

  constructor(private readonly db: PlayerDatabase) {
    this.sql = preparedOnce(db);
  }

  /**
   * Records that a page went on screen. Returns false when the record already exists (the
   * player restarted while the same page occurrence was on screen): it is not written twice.
   */
  open(play: OpenPlay): boolean {
    return (
      this.sql('INSERT OR IGNORE INTO plays (id, bundle_id, notice_id, page_id, start_ms, end_ms, closed) VALUES (?, ?, ?, ?, ?, ?, 0)')
        .run(play.id, play.bundleId, play.noticeId, play.pageId, play.startMs, play.plannedEndMs).changes === 1
    );
  }

  /** Runs several writes as one commit: a page change closes one record and opens the next with one fsync, not two. */
  inOneCommit<T>(write: () => T): T {
    return this.db.transaction(write)();
  }

  /** Whether a record is still open (on screen, not yet uploadable). */
  isOpen(id: string): boolean {
    return this.sql<[string], { closed: number }>('SELECT closed FROM plays WHERE id = ?').get(id)?.closed === 0;
  }

  /** Closes a record at `endMs`, never later than its planned end nor earlier than its start. */
  close(id: string, endMs: number): void {
    this.sql('UPDATE plays SET end_ms = max(start_ms, min(end_ms, ?)), closed = 1 WHERE id = ? AND closed = 0').run(endMs, id);
  }

  /**
   * Closes records left open by a crash or power cut, except the one still on screen. Their
   * true end is unknown; the planned end (capped at `nowMs`) is the best estimate, and it
   * overstates a page by at most its remaining duration.
   */
  closeAbandoned(options: { keepId: string | null; nowMs: number }): number {
    return this.sql('UPDATE plays SET end_ms = max(start_ms, min(end_ms, ?)), closed = 1 WHERE closed = 0 AND id IS NOT ?')
      .run(options.nowMs, options.keepId).changes;
  }

  /** The oldest closed records, ready to upload. */
  closedBatch(limit: number): PlayRecord[] {
    return this.sql<[number], PlayRow>('SELECT id, bundle_id, notice_id, page_id, start_ms, end_ms, closed FROM plays WHERE closed = 1 ORDER BY start_ms, id LIMIT ?')
      .all(limit)
      .map((row) => ({ id: row.id, bundleId: row.bundle_id, noticeId: row.notice_id, pageId: row.page_id, startMs: row.start_ms, endMs: row.end_ms }));
  }

  /** Deletes acknowledged records. Only closed records can be acknowledged: only they were sent. */
  acknowledge(ids: readonly string[]): number {
    const remove = this.sql<[string]>('DELETE FROM plays WHERE id = ? AND closed = 1');
    return this.db.transaction(() => ids.reduce((sum, id) => sum + remove.run(id).changes, 0))();
  }

  /** Records not yet acknowledged by the hub, open ones included. */
  pendingCount(): number {
    return (this.sql('SELECT count(*) AS n FROM plays').get() as { n: number }).n;
  }
}
