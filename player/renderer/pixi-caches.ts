import { CanvasTextMetrics } from 'pixi.js';

// pixi keeps a few caches of its own that are bounded rather than tied to the objects alive:
// above all CanvasTextMetrics' measurements, a least-recently-used map of up to 1,000 entries
// keyed by string and style. Every new string a Text shows is measured once and kept there, so
// a clock that shows a new minute, a page built again or a new ticker piece each adds one until
// the map is full, after which each new one evicts the oldest. On a player that runs for days
// that is a fixed few hundred kB of JavaScript heap, not a leak; a soak measurement must only
// start once the map is full (test/bench/render-soak-bench.ts waits for it). Reported here so
// that the benchmark and tests can see it.
//
// This is a pixi internal (8.x, tiny-lru): the access is guarded, and a pixi that reorganises
// it reports nothing instead of breaking the renderer.

/** Entries held and the most the cache will hold (0: unbounded). */
export interface CacheFill {
  readonly size: number;
  readonly max: number;
}

interface LruLike {
  readonly size?: unknown;
  readonly max?: unknown;
}

/** pixi's bounded caches by name: 'textMeasurements' (CanvasTextMetrics' measurement cache). */
export function pixiCacheFill(): Record<string, CacheFill> {
  const cache = (CanvasTextMetrics as unknown as { _measurementCache?: LruLike })._measurementCache;
  if (!cache || typeof cache.size !== 'number' || typeof cache.max !== 'number') return {};
  return { textMeasurements: { size: cache.size, max: cache.max } };
}
