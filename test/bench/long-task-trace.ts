import type { Page } from 'playwright';

// Where the render bench's long tasks go, from a Chromium trace (CDP Tracing) of the same
// frames: for each task over 50 ms on the page's main thread, how much of it was our
// requestAnimationFrame callback (render() and pixi) and how much the frame's commit spent
// blocked in GLES2::ReadPixels, and, in the GPU process meanwhile, how much of that wait was
// ANGLE waiting for SwiftShader to finish the queued drawing (ContextVk::finishImpl) versus
// copying the pixels out (readPixelsImpl's CPU readback). Traced separately from the measured
// frames, since tracing itself costs time.

const CATEGORIES = ['toplevel', 'cc', 'gpu', 'gpu.angle', 'devtools.timeline', 'disabled-by-default-devtools.timeline'];

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly args?: { readonly name?: string };
}

export interface LongTaskAttribution {
  readonly frames: number;
  readonly long_tasks: number;
  readonly long_task_ms_median: number | null;
  /** Medians over the long tasks, in ms. */
  readonly script_ms_median: number | null;
  readonly readback_wait_ms_median: number | null;
  /** Share of all long-task time spent blocked in the commit's ReadPixels. */
  readonly readback_wait_share: number | null;
  /** GPU process, during the long tasks: ANGLE waiting for SwiftShader to draw, and the copy out. */
  readonly gpu_draw_wait_ms_median: number | null;
  readonly gpu_pixel_copy_ms_median: number | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

/** Sum of the parts of `events` that fall inside [start, end), in ms. */
function overlapMs(events: readonly TraceEvent[], start: number, end: number): number {
  let sum = 0;
  for (const e of events) sum += Math.max(0, Math.min(end, e.ts + (e.dur ?? 0)) - Math.max(start, e.ts));
  return sum / 1000;
}

export function attributeLongTasks(events: readonly TraceEvent[], frames: number): LongTaskAttribution {
  const threadNames = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name) threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
  const on = (thread: string) => (e: TraceEvent) => e.ph === 'X' && e.dur !== undefined && threadNames.get(`${e.pid}:${e.tid}`) === thread;
  const main = events.filter(on('CrRendererMain'));
  const gpu = events.filter(on('CrGpuMain'));
  // Outermost tasks only: RunTask events nest when a task runs a nested loop.
  const tasks = main.filter((e) => e.name === 'ThreadControllerImpl::RunTask' && (e.dur ?? 0) > 50_000);
  const script = main.filter((e) => e.name === 'FireAnimationFrame');
  const readback = main.filter((e) => e.name === 'GLES2::ReadPixels');
  const drawWait = gpu.filter((e) => e.name === 'ContextVk::finishImpl');
  const copy = gpu.filter((e) => e.name === 'ImageHelper::readPixelsImpl - CPU Readback');
  const rows = tasks.map((t) => {
    const end = t.ts + t.dur!;
    return {
      ms: t.dur! / 1000,
      script: overlapMs(script, t.ts, end),
      readback: overlapMs(readback, t.ts, end),
      drawWait: overlapMs(drawWait, t.ts, end),
      // The copy event encloses ANGLE's wait for SwiftShader: only its own time is the copy.
      copy: copy.reduce((sum, c) => {
        const from = Math.max(t.ts, c.ts);
        const to = Math.min(end, c.ts + (c.dur ?? 0));
        return to > from ? sum + (to - from) / 1000 - overlapMs(drawWait, from, to) : sum;
      }, 0),
    };
  });
  const total = rows.reduce((s, r) => s + r.ms, 0);
  return {
    frames,
    long_tasks: rows.length,
    long_task_ms_median: round1(median(rows.map((r) => r.ms))),
    script_ms_median: round1(median(rows.map((r) => r.script))),
    readback_wait_ms_median: round1(median(rows.map((r) => r.readback))),
    readback_wait_share: total > 0 ? Math.round((rows.reduce((s, r) => s + r.readback, 0) / total) * 100) / 100 : null,
    gpu_draw_wait_ms_median: round1(median(rows.map((r) => r.drawWait))),
    gpu_pixel_copy_ms_median: round1(median(rows.map((r) => r.copy))),
  };
}

/** Traces `frames` requestAnimationFrame-driven renders from `startMs` and attributes the long tasks. */
export async function traceLongTasks(page: Page, startMs: number, frames: number, frameMs: number): Promise<LongTaskAttribution> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const events: TraceEvent[] = [];
    cdp.on('Tracing.dataCollected', (payload) => {
      // Playwright types trace events as string maps; they are Chromium's trace event objects.
      events.push(...(payload.value as unknown as TraceEvent[]));
    });
    const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.start', { traceConfig: { includedCategories: CATEGORIES }, transferMode: 'ReportEvents' });
    await page.evaluate(`(async () => {
      const handle = globalThis.signageRenderer;
      const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
      for (let i = 1; i <= ${frames}; i += 1) { await frame(); await handle.render(${startMs} + i * ${frameMs}); }
      await frame(); await frame();
    })()`);
    await cdp.send('Tracing.end');
    await complete;
    return attributeLongTasks(events, frames);
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}
