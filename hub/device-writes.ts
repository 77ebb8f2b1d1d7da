import type { Logger } from '../compiler/format/logger.ts';
import type { DeviceStatus, HubDatabase } from './hub-database.ts';

// What sessions learn about their devices (a bundle activated, a status report) is written in
// one transaction per turn of the event loop instead of one commit per message. After a
// publish a thousand players activate within a second, and a thousand separate commits are a
// thousand WAL appends on the one thread that also serves their blobs. A crash loses at most
// one turn's updates; every player repeats its bundle and state in its next status report.
//
// A failing database (busy past its timeout, a full disk) must not take the hub down: the
// batch is logged and dropped (the next status reports bring it back), and sessions go on.

export class DeviceWrites {
  private queue: (() => void)[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(
    private readonly db: HubDatabase,
    private readonly logger: Logger,
  ) {}

  activated(update: { id: string; bundleId: string; atMs: number }): void {
    this.push(() => this.db.recordActivated(update));
  }

  status(update: { id: string; status: DeviceStatus; atMs: number }): void {
    this.push(() => this.db.recordStatus(update));
  }

  /** Writes what is queued now (before a disconnect is recorded, and before the database closes). */
  flush(): void {
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const writes = this.queue;
    if (writes.length === 0) return;
    this.queue = [];
    try {
      this.db.inOneTransaction(() => {
        for (const write of writes) write();
      });
    } catch (error) {
      this.logger.error('could not record device activations and status reports; they come again with the next status reports', { updates: writes.length, error: (error as Error).message });
    }
  }

  /** Writes what is queued; later updates are ignored (the database is about to close). */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private push(write: () => void): void {
    if (this.closed) return;
    this.queue.push(write);
    this.scheduled ??= setImmediate(() => this.flush());
  }
}
