// Writes that many sessions produce at once (device activations and status reports,
// emergency acknowledgements) are gathered and committed together: a thousand players
// answering one publish or one warning would otherwise be a thousand commits on the one
// thread that also serves them. A failing batch is reported to `onError`, never thrown from
// a timer (that would take the whole hub down); what it held comes again from the players.

export class BatchedWrites<T> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private closed = false;

  constructor(
    private readonly options: {
      /** Commits one batch (in one transaction). */
      readonly write: (batch: readonly T[]) => void;
      /** How long the first item of a batch waits; 0: until the next turn of the event loop. */
      readonly delayMs: number;
      readonly onError: (error: Error, count: number) => void;
    },
  ) {}

  add(item: T): void {
    if (this.closed) return;
    this.queue.push(item);
    this.timer ??= this.options.delayMs > 0 ? setTimeout(() => this.flush(), this.options.delayMs) : setImmediate(() => this.flush());
  }

  /** Commits what is queued now. */
  flush(): void {
    clearTimeout(this.timer as NodeJS.Timeout | undefined);
    clearImmediate(this.timer as NodeJS.Immediate | undefined);
    this.timer = undefined;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    try {
      this.options.write(batch);
    } catch (error) {
      this.options.onError(error as Error, batch.length);
    }
  }

  /** Commits what is queued; later items are ignored (the database is about to close). */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
