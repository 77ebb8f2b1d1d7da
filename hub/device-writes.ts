import type { DeviceStatus, HubDatabase } from './hub-database.ts';

// What sessions learn about their devices (a bundle activated, a status report) is written in
// one transaction per turn of the event loop instead of one commit per message. After a
// publish a thousand players activate within a second, and a thousand separate commits are a
// thousand WAL appends on the one thread that also serves their blobs. A crash loses at most
// one turn's updates; every player repeats its bundle and state in its next status report.

export class DeviceWrites {
  private queue: (() => void)[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly db: HubDatabase) {}

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
    this.db.inOneTransaction(() => {
      for (const write of writes) write();
    });
  }

  private push(write: () => void): void {
    this.queue.push(write);
    this.scheduled ??= setImmediate(() => this.flush());
  }
}
