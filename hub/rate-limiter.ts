// Token buckets for enrolment attempts. Only hellos that do not end in a welcome cost a token
// (unknown, pending, bad signature): approved players reconnecting after a hub restart are
// never slowed down, while someone trying keys or filling the pending list is, per address
// and in total. Pure: the clock comes in.

export class TokenBucket {
  private tokens: number;
  private updatedMs: number;

  constructor(
    private readonly perMinute: number,
    nowMs: number,
  ) {
    this.tokens = perMinute; // a full minute's allowance may be spent at once
    this.updatedMs = nowMs;
  }

  /** Takes a token if one is left. */
  take(nowMs: number): boolean {
    if (this.perMinute === Number.POSITIVE_INFINITY) return true; // benchmarks switch limits off
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when the bucket is full again, i.e. remembering it changes nothing. */
  isFull(nowMs: number): boolean {
    if (this.perMinute === Number.POSITIVE_INFINITY) return true;
    this.refill(nowMs);
    return this.tokens >= this.perMinute;
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.updatedMs);
    this.tokens = Math.min(this.perMinute, this.tokens + (elapsed * this.perMinute) / 60_000);
    this.updatedMs = nowMs;
  }
}

export class EnrolmentLimiter {
  private readonly global: TokenBucket;
  private readonly byAddress = new Map<string, TokenBucket>();

  constructor(
    private readonly options: {
      perAddressPerMinute: number;
      globalPerMinute: number;
      clock: () => number;
      /** Addresses remembered at most; full buckets are forgotten first. */
      maxAddresses?: number;
    },
  ) {
    this.global = new TokenBucket(options.globalPerMinute, options.clock());
  }

  /** How many addresses are remembered now (bounded by maxAddresses). */
  get addressCount(): number {
    return this.byAddress.size;
  }

  /** Spends one attempt for `address`; false when it or the hub as a whole is over its rate. */
  allow(address: string): boolean {
    const now = this.options.clock();
    let bucket = this.byAddress.get(address);
    if (!bucket) {
      this.forgetIdle(now);
      bucket = new TokenBucket(this.options.perAddressPerMinute, now);
      this.byAddress.set(address, bucket);
    }
    // The address pays first, so one noisy address cannot drain the global allowance.
    return bucket.take(now) && this.global.take(now);
  }

  private forgetIdle(now: number): void {
    const max = this.options.maxAddresses ?? 10_000;
    if (this.byAddress.size < max) return;
    for (const [address, bucket] of this.byAddress) if (bucket.isFull(now)) this.byAddress.delete(address);
    // Under a flood of distinct addresses, forget the oldest: the global bucket still holds.
    for (const address of this.byAddress.keys()) {
      if (this.byAddress.size < max) break;
      this.byAddress.delete(address);
    }
  }
}
