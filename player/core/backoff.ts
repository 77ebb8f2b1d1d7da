// Reconnect delays. When a hub restarts, every player at every commune loses its socket at
// the same instant; if they all came back on the same schedule the hub would be hit by
// thousands of handshakes at once, fail some, and make the storm repeat. "Full jitter" spreads
// each wave uniformly over [0, ceiling): delay = random() × min(cap, base × 2^attempt).

export interface BackoffPolicy {
  /** Ceiling of the first delay. */
  readonly baseMs: number;
  /** No ceiling grows beyond this (a commune offline for a day still retries every few minutes). */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 5 * 60_000 };

/** The ceiling for a 0-based attempt number, without jitter. */
export function backoffCeilingMs(policy: BackoffPolicy, attempt: number): number {
  // 2^attempt overflows to Infinity for large attempts, which min() handles; guard negatives.
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
}

/** Full-jitter delay; `random` returns [0, 1) like Math.random and is injected for tests. */
export function backoffDelayMs(options: { policy: BackoffPolicy; attempt: number; random: () => number }): number {
  const r = Math.min(Math.max(options.random(), 0), 1);
  return Math.floor(r * backoffCeilingMs(options.policy, options.attempt));
}

/** The attempt counter of one reconnect loop. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number,
  ) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const delay = backoffDelayMs({ policy: this.policy, attempt: this.attempt, random: this.random });
    this.attempt += 1;
    return delay;
  }

  /** After a healthy connection: the next drop starts again from the base delay. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
