import type { Logger } from '../compiler/format/logger.ts';
import { BatchedWrites } from './batched-writes.ts';
import type { DeviceStatus, HubDatabase } from './hub-database.ts';

// What sessions learn about their devices (a bundle activated, a status report), committed one
// transaction per turn of the event loop (batched-writes.ts). After a publish a thousand
// players activate within a second. A crash, or a failing database, loses at most one batch:
// every player repeats its bundle and state in its next status report.

export class DeviceWrites {
  private readonly batches: BatchedWrites<() => void>;

  constructor(
    private readonly db: HubDatabase,
    logger: Logger,
  ) {
    this.batches = new BatchedWrites({
      write: (writes) => db.inOneTransaction(() => writes.forEach((write) => write())),
      delayMs: 0,
      onError: (error, updates) => logger.error('could not record device activations and status reports; they come again with the next status reports', { updates, error: error.message }),
    });
  }

  activated(update: { id: string; bundleId: string; atMs: number }): void {
    this.batches.add(() => this.db.recordActivated(update));
  }

  status(update: { id: string; status: DeviceStatus; atMs: number }): void {
    this.batches.add(() => this.db.recordStatus(update));
  }

  /** Writes what is queued now (before a disconnect is recorded). */
  flush(): void {
    this.batches.flush();
  }

  /** Writes what is queued; later updates are ignored (the database is about to close). */
  close(): void {
    this.batches.close();
  }
}
