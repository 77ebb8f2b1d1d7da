// When `signage source pull --interval S` pulls next. A feed that fails to come (the
// province's server down, a feed that does not verify) is tried again later and later rather
// than every S seconds: a station polling every minute would otherwise log 1,440 failures a
// day and knock on a struggling server as often as on a healthy one. The delay doubles with
// each consecutive failure up to an hour (or S, when S is longer); one good pull brings it
// back to S. Problems with single items of a feed that did come are not failures of the feed.

export const LONGEST_RETRY_MS = 60 * 60_000;

/** Milliseconds until the next pull, after `consecutiveFailures` failed pulls in a row. */
export function nextPullDelayMs(intervalMs: number, consecutiveFailures: number): number {
  if (consecutiveFailures <= 0) return intervalMs;
  return Math.max(intervalMs, Math.min(LONGEST_RETRY_MS, intervalMs * 2 ** consecutiveFailures));
}
