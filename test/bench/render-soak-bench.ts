import { parseArgs } from 'node:util';
import { chromium } from 'playwright';
import type { Schedule } from '../../compiler/format/schedule.ts';
import type { BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import { pageAt, resolveActive } from '../../compiler/format/resolve-active.ts';
import type { ResourceCounts } from '../../player/renderer/page-api.ts';
import { openRendererSession, type RendererSession } from '../../player/snapshot/snapshot.ts';
import { compileSampleBundle } from '../renderer/sample-bundle.ts';
import { CONTENT_AT } from '../visual/scenes.ts';
import { instantOnPage } from './render-bench.ts';
import { emit, median, percentile, round } from './stats.ts';

// Render soak (issue 3): 10,000 page changes on the 1920×1080 hall screen, driven through
// render(atMs) by an accelerated clock that jumps from each page to the next as the schedule
// plays them (days of content, nights off, the flood warning's takeover), alternately halfway
// through the incoming page's transition and after it. JS heap (after a forced GC) and live
// textures are sampled on the same page and instant after a warm-up and after the last change.
// The warm-up (warmupLength) runs until every page of the run has been shown once and a whole
// day of the clock has passed, so caches that fill once are full before the first sample and
// the ratio measures growth per page change. It then goes on, a batch at a time, until pixi's
// bounded caches are full (fillsCaches): pixi's text measurements are a least-recently-used map
// of 1,000 strings (player/renderer/pixi-caches.ts), which the clock's minutes keep adding to
// for a few thousand changes more; a bounded map that fills up is not a leak, but sampled
// half full it would be counted as growth. Each sample also carries the renderer's own
// resourceCounts(): page layers, picture textures, pixi's per-object records and its caches.
//
// What the heap grew by when this bench measured 5.4–5.8% (heap snapshots through CDP,
// HeapProfiler.takeHeapSnapshot after collectGarbage, 2026-12-04, compared by object over the
// first 2,000 changes after that warm-up: +0.29 MB): V8's optimised code for functions that
// became hot (~0.11 MB), pixi's pooled batches' texture maps, which kept a key for every
// texture source ever drawn (~0.1 MB; the renderer now drops them, see pixi-bookkeeping.ts),
// and pixi's text-measurement map filling from 932 to 1,000 entries. The warm-up then ended
// after 1,630 changes, before one page of the schedule had ever been shown (see
// warmupLength), so that page's first build and its strings fell inside the measurement,
// 2,447 changes in: likely the growth that levelled off after ~5,000 changes. With both fixed,
// three runs on 2026-12-04 measured 0.030, 0.028 and 0.025 (heap) and 0.016 (textures). Chromium's shaped-text caches of the two
// measuring canvases grew too (+243 entries, ~0.3 MB of native memory, outside the JS heap;
// the renderer now renews those canvases, see text-run.ts).
//
// The renderer does not report a texture count, so the page's WebGL contexts are counted from
// outside: createTexture/deleteTexture are wrapped before the page's script runs (live = made −
// deleted; buffers likewise), and so are createImageBitmap/close (the decoded pictures the blob
// store holds).

const SCREEN = 'ubnd-sanh';
/** Where both samples are taken: a page with a picture, under the chrome with its ticker. */
const SAMPLE_PAGE = 'ngay-hoi-dai-doan-ket-1';

/** Chromium as launchBrowser() starts it, plus gc() and unbucketed performance.memory. */
function launchSoakBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--hide-scrollbars', '--mute-audio', '--disable-background-timer-throttling', '--js-flags=--expose-gc', '--enable-precise-memory-info'],
  });
}

const COUNTERS = `(() => {
  const gl = { made: 0, deleted: 0 };
  const buffers = { made: 0, deleted: 0 };
  const bitmaps = { made: 0, closed: 0 };
  const live = new WeakSet();
  for (const Context of [window.WebGLRenderingContext, window.WebGL2RenderingContext]) {
    if (!Context) continue;
    const create = Context.prototype.createTexture;
    const remove = Context.prototype.deleteTexture;
    Context.prototype.createTexture = function () { const t = create.call(this); if (t) { gl.made += 1; live.add(t); } return t; };
    Context.prototype.deleteTexture = function (t) { if (t && live.has(t)) { live.delete(t); gl.deleted += 1; } return remove.call(this, t); };
    const createBuffer = Context.prototype.createBuffer;
    const deleteBuffer = Context.prototype.deleteBuffer;
    Context.prototype.createBuffer = function () { const b = createBuffer.call(this); if (b) { buffers.made += 1; live.add(b); } return b; };
    Context.prototype.deleteBuffer = function (b) { if (b && live.has(b)) { live.delete(b); buffers.deleted += 1; } return deleteBuffer.call(this, b); };
  }
  const decode = window.createImageBitmap;
  const closedBitmaps = new WeakSet();
  window.createImageBitmap = function (...args) { return decode.apply(this, args).then((b) => { bitmaps.made += 1; return b; }); };
  const close = ImageBitmap.prototype.close;
  ImageBitmap.prototype.close = function () { if (!closedBitmaps.has(this)) { closedBitmaps.add(this); bitmaps.closed += 1; } return close.call(this); };
  window.__soakCounters = { gl, buffers, bitmaps };
})();`;

interface Sample {
  readonly heapBytes: number;
  readonly glTextures: number;
  readonly glBuffers: number;
  readonly bitmaps: number;
  readonly cachedLayers: number;
  /** The renderer's own account (signageRenderer.resourceCounts()). */
  readonly counts: ResourceCounts;
}

const SAMPLE = `(async () => {
  for (let i = 0; i < 3; i += 1) { gc(); await new Promise((r) => setTimeout(r, 50)); }
  const c = window.__soakCounters;
  return {
    heapBytes: performance.memory.usedJSHeapSize,
    glTextures: c.gl.made - c.gl.deleted,
    glBuffers: c.buffers.made - c.buffers.deleted,
    bitmaps: c.bitmaps.made - c.bitmaps.closed,
    cachedLayers: window.signageRenderer.cachedLayerKeys().length,
    counts: window.signageRenderer.resourceCounts(),
  };
})()`;

/** Warm-up changes at most: the bench fails rather than sample caches still filling. */
const MAX_WARMUP = 8000;

/**
 * True when every bounded cache pixi reports is full, or stopped filling over the last batch
 * (fewer distinct strings than it holds: it will not grow either).
 */
export function fillsCaches(previous: ResourceCounts['pixiCaches'] | undefined, now: ResourceCounts['pixiCaches']): boolean {
  return Object.entries(now).every(([name, fill]) => fill.max <= 0 || fill.size >= fill.max || (previous !== undefined && previous[name]?.size === fill.size));
}

interface SoakGlobals {
  __soakChanges(instants: number[]): Promise<{ times: number[]; undrawn: number }>;
}

/** Runs in the page: each change drawn, then a macrotask so loads, GC and GL flushes proceed. */
const CHANGES = `window.__soakChanges = async (instants) => {
  const handle = globalThis.signageRenderer;
  const times = [];
  let undrawn = 0;
  for (const at of instants) {
    const t0 = performance.now();
    const info = await handle.render(at);
    times.push(performance.now() - t0);
    if (!info.drawn) undrawn += 1;
    await new Promise((r) => setTimeout(r, 0));
  }
  return { times, undrawn };
}`;

interface Change {
  readonly atMs: number;
  readonly pageId: string | null;
}

/**
 * Page changes from `fromMs` on, as the schedule plays them: each page's start, the start of
 * each new playlist (the takeover, opening and closing hours). A one-page playlist does not
 * change until its playlist does. Each change is drawn `settleMs(i)` after it happens.
 */
export function pageChanges(schedule: Schedule, manifest: BundleManifest, fromMs: number, count: number): Change[] {
  const transition = new Map(manifest.pages.map((p) => [p.id, p.transition.durationMs]));
  const changes: Change[] = [];
  let t = fromMs;
  while (changes.length < count) {
    const state = resolveActive(schedule, t);
    const position = pageAt(state, t);
    let next = state.nextChangeMs;
    if (position && state.playlist.length > 1) next = Math.min(position.endsAtMs, state.nextChangeMs);
    // Alternately halfway through the transition (both pages drawn) and after it.
    const duration = position ? (transition.get(position.item.pageId) ?? 0) : 0;
    const offset = changes.length % 2 === 0 && duration > 0 ? duration / 2 : duration + 500;
    changes.push({ atMs: Math.min(t + offset, next - 1), pageId: position?.item.pageId ?? null });
    if (next <= t) throw new Error(`the schedule does not advance at ${new Date(t).toISOString()}`);
    t = next;
  }
  return changes;
}

/**
 * How many changes the warm-up takes: at least `minimum`, and enough that every page the run
 * will show has been shown once and a whole day of the clock has passed (every page built,
 * every clock string drawn), with `measured` changes still left after it. A leak grows with
 * each change; a cache that fills once fills during the warm-up, so the before/after ratio
 * measures only the first. The pages are those of the whole plan, which holds the run: a page
 * first shown after the warm-up (tiep-cong-dan-1 first shows at change 4,077 of the sample
 * schedule) would have its first build counted as growth, as it was when only the plan's first
 * 2,000 changes were looked at (a warm-up of 1,630).
 */
export function warmupLength(changes: readonly Change[], minimum: number, measured = 0): number {
  const pages = new Set(changes.map((c) => c.pageId ?? '(off)'));
  const seen = new Set<string>();
  const dayLater = changes[0]!.atMs + 86_400_000;
  for (let i = 0; i + 1 + measured <= changes.length; i += 1) {
    seen.add(changes[i]!.pageId ?? '(off)');
    if (i + 1 >= minimum && seen.size === pages.size && changes[i]!.atMs >= dayLater) return i + 1;
  }
  throw new Error('the planned changes never show every page after a day: plan more changes');
}

/** The counts a summary line shows: pixi's records as live/slots. */
function countsLine(counts: ResourceCounts): Record<string, string | number> {
  const line: Record<string, string | number> = { layers: counts.layers, blob_textures: counts.blobTextures };
  for (const [name, c] of Object.entries(counts.pixi)) line[`pixi_${name}`] = `${c.live}/${c.slots}`;
  for (const [name, c] of Object.entries(counts.pixiCaches ?? {})) line[`pixi_cache_${name}`] = `${c.size}/${c.max}`;
  return line;
}

async function sample(session: RendererSession, atMs: number): Promise<Sample> {
  const frame = await session.render(atMs);
  if (frame.pageId !== SAMPLE_PAGE || !frame.drawn) throw new Error(`sample instant shows ${JSON.stringify(frame)}`);
  // Let the next page's preload finish, so both samples hold the same layers.
  for (let i = 0; i < 100 && (await session.cachedLayerKeys()).length < 4; i += 1) await new Promise((r) => setTimeout(r, 20));
  return (await session.page.evaluate(SAMPLE)) as Sample;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { changes: { type: 'string', default: '10000' }, warmup: { type: 'string', default: '200' }, batch: { type: 'string', default: '250' }, every: { type: 'string', default: '2000' } } });
  const total = Number(values.changes);
  const warmup = Number(values.warmup);
  const batch = Number(values.batch);
  const [bundle, browser] = await Promise.all([compileSampleBundle(), launchSoakBrowser()]);
  const started = performance.now();
  try {
    const session = await openRendererSession({ bundleDir: bundle.outDir, screenId: SCREEN, browser });
    try {
      // Reload with the counters in place before the page's own script.
      await session.page.addInitScript({ content: COUNTERS });
      await session.page.reload();
      await session.page.waitForFunction('window.signageRenderer !== undefined || window.signageRendererError !== undefined');
      await session.page.evaluate(CHANGES);
      if ((await session.page.evaluate('typeof gc')) !== 'function') throw new Error('gc() is not exposed: --js-flags=--expose-gc did not reach the page');
      const rendererName = await session.page.evaluate('window.signageRenderer.rendererName');
      if (rendererName !== 'webgl') throw new Error(`pixi fell back to ${String(rendererName)}`);

      const schedule = bundle.schedules.get(SCREEN)!;
      const manifest = bundle.manifests.get(SCREEN)!;
      const sampleAt = instantOnPage(bundle, SCREEN, SAMPLE_PAGE, 2000);
      // Plan generously, then cut: the warm-up's length depends on the plan itself.
      const planned = pageChanges(schedule, manifest, CONTENT_AT, Math.max(warmup, MAX_WARMUP) + total);
      const minimumWarmup = warmupLength(planned, warmup, total);

      const drive = async (list: readonly Change[]) => {
        const times: number[] = [];
        let undrawn = 0;
        for (let i = 0; i < list.length; i += batch) {
          const chunk = list.slice(i, i + batch).map((c) => c.atMs);
          // The instants travel as an argument, not inside the source: every distinct script
          // source evaluated in the page is compiled and may be kept, which the heap samples
          // would count as the renderer's growth.
          const result = await session.page.evaluate((instants) => (globalThis as unknown as SoakGlobals).__soakChanges(instants), chunk);
          times.push(...result.times);
          undrawn += result.undrawn;
        }
        return { times, undrawn };
      };

      await drive(planned.slice(0, minimumWarmup));
      let warmupChanges = minimumWarmup;
      const cacheFill = async () => ((await session.page.evaluate('window.signageRenderer.resourceCounts()')) as ResourceCounts).pixiCaches;
      let fill = await cacheFill();
      let previousFill: typeof fill | undefined;
      while (!fillsCaches(previousFill, fill)) {
        if (warmupChanges + batch + total > planned.length) throw new Error(`pixi's caches still filling after ${warmupChanges} warm-up changes: ${JSON.stringify(fill)}`);
        await drive(planned.slice(warmupChanges, warmupChanges + batch));
        warmupChanges += batch;
        previousFill = fill;
        fill = await cacheFill();
      }
      const changes = planned.slice(0, warmupChanges + total);
      const span = changes.at(-1)!.atMs - changes[0]!.atMs;
      emit({
        event: 'plan',
        screen: SCREEN,
        changes: total,
        warmup: warmupChanges,
        warmup_minimum: minimumWarmup,
        warmup_days: round((changes[warmupChanges]!.atMs - changes[0]!.atMs) / 86_400_000, 2),
        clock_span_days: round(span / 86_400_000, 2),
        distinct_pages: new Set(changes.map((c) => c.pageId ?? '(off)')).size,
        pixi_caches: fill,
      });
      const before = await sample(session, sampleAt);
      emit({ event: 'sample', when: 'before', after_changes: warmupChanges, heap_mb: round(before.heapBytes / 1e6, 2), gl_textures: before.glTextures, gl_buffers: before.glBuffers, bitmaps: before.bitmaps, cached_layers: before.cachedLayers, ...countsLine(before.counts) });

      const allTimes: number[] = [];
      let undrawn = 0;
      const step = Number(values.every);
      for (let done = 0; done < total; done += step) {
        const result = await drive(changes.slice(warmupChanges + done, warmupChanges + Math.min(total, done + step)));
        allTimes.push(...result.times);
        undrawn += result.undrawn;
        const mem = (await session.page.evaluate(SAMPLE)) as Sample;
        emit({
          event: 'progress',
          changes: Math.min(total, done + step),
          heap_mb: round(mem.heapBytes / 1e6, 2),
          gl_textures: mem.glTextures,
          gl_buffers: mem.glBuffers,
          bitmaps: mem.bitmaps,
          cached_layers: mem.cachedLayers,
          ...countsLine(mem.counts),
          elapsed_s: round((performance.now() - started) / 1000, 0),
        });
      }
      const after = await sample(session, sampleAt);
      emit({ event: 'sample', when: 'after', after_changes: warmupChanges + total, heap_mb: round(after.heapBytes / 1e6, 2), gl_textures: after.glTextures, gl_buffers: after.glBuffers, bitmaps: after.bitmaps, cached_layers: after.cachedLayers, ...countsLine(after.counts) });

      const faults = (await session.report()).faults;
      const heapGrowth = after.heapBytes / before.heapBytes - 1;
      const textureGrowth = after.glTextures / before.glTextures - 1;
      emit({
        event: 'summary',
        bench: 'render-soak',
        screen: SCREEN,
        changes: total,
        heap_mb_before: round(before.heapBytes / 1e6, 2),
        heap_mb_after: round(after.heapBytes / 1e6, 2),
        heap_growth_ratio: round(heapGrowth, 4),
        textures_before: before.glTextures,
        textures_after: after.glTextures,
        texture_growth_ratio: round(textureGrowth, 4),
        texture_count_source: 'WebGL createTexture − deleteTexture, counted in the page (the renderer reports none)',
        gl_buffers_before: before.glBuffers,
        gl_buffers_after: after.glBuffers,
        bitmaps_before: before.bitmaps,
        bitmaps_after: after.bitmaps,
        cached_layers_before: before.cachedLayers,
        cached_layers_after: after.cachedLayers,
        counts_before: countsLine(before.counts),
        counts_after: countsLine(after.counts),
        // render() until the change is drawn, waiting for the page's pictures and layers when they are not preloaded.
        change_ms_median: round(median(allTimes)),
        change_ms_p99: round(percentile(allTimes, 99)),
        undrawn_changes: undrawn,
        faults: faults.length,
        page_errors: session.pageErrors().length,
        wall_s: round((performance.now() - started) / 1000, 0),
        goals: { heap_growth_ratio: '< 0.05', texture_growth_ratio: '< 0.05' },
        goals_met: { heap_growth_ratio: heapGrowth < 0.05, texture_growth_ratio: textureGrowth < 0.05 },
      });
    } finally {
      await session.close();
    }
  } finally {
    await browser.close();
    await bundle.cleanup();
  }
}
