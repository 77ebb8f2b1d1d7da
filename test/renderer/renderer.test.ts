import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright';
import sharp from 'sharp';
import type { ImageNode } from '../../compiler/format/scene.ts';
import { pageAt, resolveActive } from '../../compiler/format/resolve-active.ts';
import type { Schedule } from '../../compiler/format/schedule.ts';
import { BundleVerificationError } from '../../compiler/trust/verify-bundle.ts';
import { loadFontMeasurer } from '../../compiler/io/font-measurer.ts';
import type { InkBox, SignageRendererHandle, TextProbe } from '../../player/renderer/page-api.ts';
import { snapshotCommand } from '../../player/snapshot/cli.ts';
import { launchBrowser, openRendererSession, type RendererSession } from '../../player/snapshot/snapshot.ts';
import { AT, SAMPLE_SCREENS, compileSampleBundle, type SampleBundle } from './sample-bundle.ts';

// The renderer in real headless Chromium (WebGL on SwiftShader), drawing the shared samples as
// the compiler builds them. One browser for the whole file; one page per screen.

let bundle: SampleBundle;
let browser: Browser;
const sessions = new Map<string, RendererSession>();
const scratch: string[] = [];

before(async () => {
  [bundle, browser] = await Promise.all([compileSampleBundle(), launchBrowser()]);
  for (const screenId of SAMPLE_SCREENS) sessions.set(screenId, await openRendererSession({ bundleDir: bundle.outDir, screenId, browser }));
});

after(async () => {
  for (const session of sessions.values()) await session.close();
  await browser?.close();
  await bundle?.cleanup();
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

function session(screenId: string): RendererSession {
  const found = sessions.get(screenId);
  if (!found) throw new Error(`no session for ${screenId}`);
  return found;
}

async function pixels(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** One instant inside each page of the playlist playing at `atMs`, past its transition. */
function pageInstants(schedule: Schedule, atMs: number): Map<string, number> {
  const state = resolveActive(schedule, atMs);
  const cycle = state.playlist.reduce((sum, item) => sum + item.durationMs, 0);
  const instants = new Map<string, number>();
  let t = atMs - ((atMs - state.sinceMs) % cycle);
  for (const item of state.playlist) {
    const at = t + Math.min(1000, Math.floor(item.durationMs / 2));
    if (at < state.nextChangeMs && !instants.has(item.pageId)) instants.set(item.pageId, at);
    t += item.durationMs;
  }
  return instants;
}

test('pixi draws with WebGL, not its canvas fallback, on every screen', () => {
  for (const screenId of SAMPLE_SCREENS) assert.equal(session(screenId).rendererName, 'webgl', screenId);
});

test('each sample screen gives a PNG of exactly its size, with something drawn on it', async () => {
  for (const screenId of SAMPLE_SCREENS) {
    const s = session(screenId);
    const png = await s.screenshot(AT.content);
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    assert.deepEqual([meta.width, meta.height], [s.screen.width, s.screen.height], screenId);
    const stats = await sharp(png).stats();
    assert.ok(stats.channels.some((c) => c.stdev > 10), `${screenId} is not a flat colour`);
  }
});

test('the same instant drawn twice is pixel-identical, whatever was drawn in between', async () => {
  const s = session('ubnd-sanh');
  const slide = pageInstants(bundle.schedules.get('ubnd-sanh')!, AT.content).get('ke-hoach-thong-tin-co-so-2')! - 1000 + 300;
  for (const at of [AT.content + 4321, slide]) {
    const first = await s.screenshot(at);
    await s.render(AT.emergency);
    await s.render(at + 60_000);
    const second = await s.screenshot(at);
    assert.ok(first.equals(second), `instant ${new Date(at).toISOString()} drew differently the second time`);
  }
  const info = await s.render(slide);
  assert.equal(info.transition?.kind, 'slide', 'the second instant is mid-slide');
});

test('the overflow report is empty for every page of every sample screen', async () => {
  for (const screenId of SAMPLE_SCREENS) {
    const report = await session(screenId).report();
    const manifest = bundle.manifests.get(screenId)!;
    const textRuns = [...manifest.chrome.under, ...manifest.chrome.over, ...manifest.pages.flatMap((p) => p.nodes)]
      .flatMap((n) => (n.type === 'text' ? n.lines.flatMap((l) => l.runs) : []))
      .filter((r) => r.text.trim() !== '').length;
    assert.ok(report.runsChecked >= textRuns, `${screenId}: ${report.runsChecked} runs checked of ${textRuns}`);
    assert.deepEqual(report.overflow, [], `${screenId} has text wider than its box`);
    // Browser and compiler agree on every run to within a pixel: same files, same subsets.
    assert.deepEqual(report.drift, [], `${screenId}: runs the browser measures differently from the compiler`);
  }
});

test('every page of every sample screen draws without a fault, and the cache holds only what is needed', async () => {
  for (const screenId of SAMPLE_SCREENS) {
    const s = session(screenId);
    const schedule = bundle.schedules.get(screenId)!;
    const drawn = new Set<string>();
    const instants = [...pageInstants(schedule, AT.thursday), ...pageInstants(schedule, AT.emergency)];
    for (const [pageId, at] of instants) {
      const frame = await s.render(at);
      assert.equal(frame.pageId, pageId, `${screenId} at ${new Date(at).toISOString()}`);
      assert.equal(frame.drawn, true);
      drawn.add(pageId);
      const next = pageAt(resolveActive(schedule, at), at)!;
      const allowed = new Set(['chrome.under', 'chrome.over', pageId, next.item.pageId, ...(next.previous ? [next.previous.pageId] : [])]);
      const following = pageAt(resolveActive(schedule, next.endsAtMs), next.endsAtMs);
      if (following) allowed.add(following.item.pageId);
      const cached = await s.cachedLayerKeys();
      assert.ok(cached.every((key) => allowed.has(key)), `${screenId}: cache holds ${cached.join(', ')} at ${pageId}`);
    }
    const expected = bundle.manifests.get(screenId)!.pages.map((p) => p.id).filter((id) => id !== 'idle');
    assert.deepEqual([...drawn].sort(), expected.sort(), `${screenId}: every page was visited`);
    assert.deepEqual((await s.report()).faults, [], `${screenId} reported faults`);
    assert.deepEqual(s.pageErrors(), []);
  }
});

test('the next page is built while the current one plays, before it is due', async () => {
  const s = session('ubnd-kiosk');
  const schedule = bundle.schedules.get('ubnd-kiosk')!;
  const position = pageAt(resolveActive(schedule, AT.thursday), AT.thursday)!;
  const next = pageAt(resolveActive(schedule, position.endsAtMs), position.endsAtMs)!;
  assert.notEqual(next.item.pageId, position.item.pageId);
  await s.render(AT.thursday);
  for (let i = 0; i < 50 && !(await s.cachedLayerKeys()).includes(next.item.pageId); i += 1) await new Promise((r) => setTimeout(r, 20));
  assert.ok((await s.cachedLayerKeys()).includes(next.item.pageId), 'the next page is in the cache');
});

test('a missing blob and an undecodable one are skipped and reported; the rest of the page draws', async () => {
  const manifest = bundle.manifests.get('ubnd-sanh')!;
  const imageOf = (pageId: string) => manifest.pages.find((p) => p.id === pageId)!.nodes.find((n): n is ImageNode => n.type === 'image')!;
  const missing = imageOf('tiem-chung-thang-12-1');
  const garbled = imageOf('ngay-hoi-dai-doan-ket-1');
  assert.notEqual(missing.blob, garbled.blob);

  const broken = await mkdtemp(join(tmpdir(), 'signage-broken-'));
  scratch.push(broken);
  await cp(bundle.outDir, broken, { recursive: true });
  await rm(join(broken, 'blobs', missing.blob));
  await writeFile(join(broken, 'blobs', garbled.blob), 'not an image at all');

  // With the station key the bundle is refused outright; without it, the renderer degrades.
  await assert.rejects(openRendererSession({ bundleDir: broken, screenId: 'ubnd-sanh', browser, stationKey: bundle.publicKey }), (error: unknown) => {
    return error instanceof BundleVerificationError && /BLOB/.test(error.code);
  });
  const damaged = await openRendererSession({ bundleDir: broken, screenId: 'ubnd-sanh', browser });
  try {
    const instants = pageInstants(bundle.schedules.get('ubnd-sanh')!, AT.thursday);
    for (const [pageId, node] of [['tiem-chung-thang-12-1', missing], ['ngay-hoi-dai-doan-ket-1', garbled]] as const) {
      const at = instants.get(pageId)!;
      const frame = await damaged.render(at);
      assert.equal(frame.pageId, pageId);
      const [bad, good] = await Promise.all([pixels(await damaged.screenshot()), session('ubnd-sanh').screenshot(at).then(pixels)]);
      let inside = 0;
      let outside = 0;
      for (let y = 0; y < good.height; y += 1) {
        for (let x = 0; x < good.width; x += 1) {
          const i = (y * good.width + x) * 4;
          if (bad.data.readUInt32BE(i) === good.data.readUInt32BE(i)) continue;
          if (x >= node.x && x < node.x + node.w && y >= node.y && y < node.y + node.h) inside += 1;
          else outside += 1;
        }
      }
      assert.equal(outside, 0, `${pageId}: everything but the image is drawn as usual`);
      assert.ok(inside > node.w * node.h * 0.2, `${pageId}: the image itself is not drawn`);
    }
    const faults = (await damaged.report()).faults;
    assert.ok(faults.some((f) => f.code === 'BLOB_MISSING' && f.scope === 'tiem-chung-thang-12-1' && f.nodeId === missing.id), JSON.stringify(faults));
    assert.ok(faults.some((f) => f.code === 'IMAGE_UNDECODABLE' && f.scope === 'ngay-hoi-dai-doan-ket-1' && f.nodeId === garbled.id), JSON.stringify(faults));
  } finally {
    await damaged.close();
  }
});

/** The 134 precomposed Vietnamese letters: ă â đ ê ô ơ ư and every vowel with each of the five tones, both cases. */
function vietnameseLetters(): string[] {
  const vowels = ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y'];
  const tones = ['\u0300', '\u0301', '\u0309', '\u0303', '\u0323'];
  const lower = [...vowels.flatMap((v) => [v, ...tones.map((t) => `${v}${t}`.normalize('NFC'))]).filter((c) => !/^[aeiouy]$/.test(c)), 'đ'];
  return [...lower, ...lower.map((c) => c.toLocaleUpperCase('vi'))];
}

function sameInk(a: InkBox | null, b: InkBox | null, tolerance: number): boolean {
  if (!a || !b) return a === b;
  return (['left', 'top', 'right', 'bottom'] as const).every((side) => Math.abs(a[side] - b[side]) <= tolerance);
}

test('every Vietnamese letter is drawn whole, in Be Vietnam Pro, not a fallback face', async () => {
  const letters = vietnameseLetters();
  assert.equal(letters.length, 134);
  assert.ok(letters.every((c) => [...c].length === 1), 'each letter is one precomposed code point');
  const requests = [
    ...letters.flatMap((text) => [400, 800].map((weight) => ({ text, sizePx: 24, weight: weight as 400 | 800 }))),
    // Stacked marks (Ẫ Ổ Ữ) were cut off at large sizes before METRICS_STRING was widened.
    ...letters.filter((c) => c !== c.toLowerCase()).map((text) => ({ text, sizePx: 96, weight: 800 as const })),
  ];
  const probes: TextProbe[] = await session('ubnd-sanh').page.evaluate(
    (list) => list.map((r) => (globalThis as unknown as { signageRenderer: { probeText(x: typeof r): TextProbe } }).signageRenderer.probeText(r)),
    requests,
  );
  const measurer = await loadFontMeasurer();
  const problems: string[] = [];
  for (const probe of probes) {
    const what = `${probe.text} at ${probe.sizePx}px/${probe.weight}`;
    if (!probe.drawn) problems.push(`${what}: nothing drawn`);
    else if (!sameInk(probe.drawn, probe.reference, 1)) problems.push(`${what}: clipped, ink ${JSON.stringify(probe.drawn)} vs ${JSON.stringify(probe.reference)}`);
    if (Math.abs(probe.width - measurer.width(probe.text, probe.weight, probe.sizePx)) > 0.05) {
      problems.push(`${what}: browser width ${probe.width} differs from the font file's ${measurer.width(probe.text, probe.weight, probe.sizePx)}`);
    }
    if (Math.abs(probe.width - probe.fallbackWidth) < 0.01 && sameInk(probe.reference, probe.fallback, 0)) problems.push(`${what}: drawn like the fallback face`);
  }
  assert.deepEqual(problems, []);
});

test('code points two subsets share are drawn from the one FONT_SUBSET_PRIORITY names first', async () => {
  // Ỳ Ỵ Ỷ Ỹ are in both the vietnamese and latin-ext files. Drawn from the vietnamese file, as
  // the compiler measures them, they kern with Ạ (same file): about 10 px at 100 px. From
  // latin-ext they would not, and every line holding them would be wider than compiled.
  const measurer = await loadFontMeasurer();
  const requests = ['ẠỲ', 'ẠỴ', 'ẨỶ', 'ẬỸ'].map((text) => ({ text, sizePx: 100, weight: 700 as const }));
  const probes: TextProbe[] = await session('ubnd-sanh').page.evaluate(
    (list) => list.map((r) => (globalThis as unknown as { signageRenderer: { probeText(x: typeof r): TextProbe } }).signageRenderer.probeText(r)),
    requests,
  );
  for (const probe of probes) {
    const kerned = measurer.width(probe.text, 700, 100);
    const unkerned = [...probe.text].reduce((sum, c) => sum + measurer.width(c, 700, 100), 0);
    assert.ok(unkerned - kerned > 5, `${probe.text} kerns in the font file`);
    assert.ok(Math.abs(probe.width - kerned) < 0.1, `${probe.text}: browser ${probe.width}, compiler ${kerned} (unkerned ${unkerned})`);
  }
});

test('load() swaps to another bundle in place, resizing the canvas to its screen', async () => {
  const s = await openRendererSession({ bundleDir: bundle.outDir, screenId: 'cong-xa-p10', browser });
  try {
    const injected = { manifest: bundle.manifests.get('cong-xa'), schedule: bundle.schedules.get('cong-xa'), blobsUrl: '/bundle/blobs/' };
    const result = await s.page.evaluate(
      async ({ input, at }) => {
        const handle = (globalThis as unknown as { signageRenderer: SignageRendererHandle }).signageRenderer;
        await handle.load(input);
        const frame = await handle.render(at);
        // The Node program has no DOM types; this runs in the page, where `document` exists.
        const canvas = (globalThis as unknown as { document: { querySelector(s: string): { width: number; height: number } } }).document.querySelector('canvas');
        return { frame, size: [canvas.width, canvas.height], cached: handle.cachedLayerKeys(), faults: handle.report().faults };
      },
      { input: injected, at: AT.emergency },
    );
    assert.deepEqual(result.size, [640, 384]);
    assert.equal(result.frame.mode, 'emergency');
    assert.ok(result.frame.pageId?.startsWith('canh-bao-mua-lon'));
    assert.ok(result.cached.every((key) => key.startsWith('chrome.') || bundle.manifests.get('cong-xa')!.pages.some((p) => p.id === key)), 'nothing of the old bundle is cached');
    assert.deepEqual(result.faults, []);
  } finally {
    await s.close();
  }
});

test('snapshot verifies the bundle with the station key and writes the PNG (CLI)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'signage-snap-'));
  scratch.push(dir);
  const keyFile = join(dir, 'station.pub');
  await writeFile(keyFile, bundle.publicKeyPem);
  const out = join(dir, 'p10.png');
  let said = '';
  const output = { stdout: { write: (t: string) => (said += t) }, stderr: { write: (t: string) => (said += t) } };
  const code = await snapshotCommand(['--bundle', bundle.outDir, '--screen', 'cong-xa-p10', '--at', '2026-11-22T10:00:00+07:00', '--out', out, '--station-key', keyFile], output);
  assert.equal(code, 0, said);
  assert.match(said, /wrote .*p10\.png \(192×64, screen cong-xa-p10, mode emergency/);
  assert.ok((await stat(out)).size > 0);
  const meta = await sharp(await readFile(out)).metadata();
  assert.deepEqual([meta.width, meta.height], [192, 64]);
});
