import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright';
import type { FrameInfo } from '../../player/renderer/page-api.ts';
import { launchBrowser, openRendererSession, type RendererSession } from '../../player/snapshot/snapshot.ts';
import { compileSampleBundle, SAMPLE_SCREENS, type SampleBundle } from '../renderer/sample-bundle.ts';
import { PROJECT_ROOT } from '../support/paths.ts';
import {
  compareImages,
  decodePng,
  describeComparison,
  encodePng,
  GOLDEN_TOLERANCE,
  IDENTICAL,
  writeFailureImages,
  type RawImage,
} from './image-compare.ts';
import { goldenName, SCENES, tickerShift, type PickedInstant, type Scene } from './scenes.ts';
import { compileTakeoverBundle, type TakeoverBundle } from './takeover-bundle.ts';

// Golden screenshots (issue 3, items 9–10): each sample screen drawn by the real renderer in
// headless Chromium (WebGL on SwiftShader) at instants picked from its compiled schedule, held
// to PNGs committed in test/goldens/ with a small tolerance for Chromium updates. The same
// instant drawn again, after everything else, must give exactly the same pixels.
//
//   UPDATE_GOLDENS=1 node --import tsx --test test/visual/goldens.test.ts   rewrites them
//   UPDATE_GOLDENS=1 GOLDENS_ONLY=takeover-cap …                            only those whose name contains it
//
// then look at every changed PNG before committing it. The takeover scenes (issue 5) draw a
// second bundle, compiled from test/visual/takeover-notices/ (one emergency per risk level),
// in pages of the same browser. A failed comparison writes
// test/output/<name>.{expected,actual,diff}.png (red: beyond the tolerance; yellow: within it).

const GOLDENS_DIR = join(PROJECT_ROOT, 'test', 'goldens');
const OUTPUT_DIR = join(PROJECT_ROOT, 'test', 'output');
const UPDATE = process.env.UPDATE_GOLDENS === '1';
/** With UPDATE_GOLDENS: rewrite only the goldens whose name contains this; compare the rest. */
const ONLY = process.env.GOLDENS_ONLY ?? '';
const rewrites = (name: string) => UPDATE && name.includes(ONLY);

type BundleName = NonNullable<Scene['bundle']>;
let bundle: SampleBundle;
let takeoverBundle: TakeoverBundle;
let browser: Browser;
/** By bundle and screen: `samples:ubnd-sanh`. */
const sessions = new Map<string, RendererSession>();
const sessionKey = (bundleName: BundleName, screenId: string) => `${bundleName}:${screenId}`;
const bundleOf = (scene: Scene): BundleName => scene.bundle ?? 'samples';

interface Drawn {
  readonly picked: PickedInstant;
  readonly frame: FrameInfo;
  /** The whole canvas, decoded. */
  readonly full: RawImage;
}
/** First-pass renders by golden name, for the repeat and scrolling checks. */
const drawn = new Map<string, Drawn>();

before(async () => {
  [bundle, takeoverBundle, browser] = await Promise.all([compileSampleBundle(), compileTakeoverBundle(), launchBrowser()]);
  for (const screenId of SAMPLE_SCREENS) {
    sessions.set(sessionKey('samples', screenId), await openRendererSession({ bundleDir: bundle.outDir, screenId, browser }));
    sessions.set(sessionKey('takeover', screenId), await openRendererSession({ bundleDir: takeoverBundle.outDir, screenId, browser }));
  }
  if (UPDATE) await mkdir(GOLDENS_DIR, { recursive: true });
});

after(async () => {
  for (const session of sessions.values()) await session.close();
  await browser?.close();
  await bundle?.cleanup();
  await takeoverBundle?.cleanup();
});

function scenesOf(bundleName: BundleName, screenId: string): Scene[] {
  return SCENES.filter((s) => s.screenId === screenId && bundleOf(s) === bundleName);
}

function pick(scene: Scene): PickedInstant {
  const source = bundleOf(scene) === 'takeover' ? takeoverBundle : bundle;
  return scene.pick({ schedule: source.schedules.get(scene.screenId)!, manifest: source.manifests.get(scene.screenId)! });
}

const at = (ms: number) => new Date(ms).toISOString();

function assertFrame(name: string, frame: FrameInfo, picked: PickedInstant): void {
  const { expect } = picked;
  const where = `${name} at ${at(picked.atMs)}`;
  assert.equal(frame.drawn, true, `${where}: not drawn`);
  assert.equal(frame.mode, expect.mode, `${where}: mode`);
  assert.equal(frame.pageId, expect.pageId, `${where}: page`);
  if (expect.transition) {
    assert.deepEqual(frame.transition, expect.transition, `${where}: transition`);
  } else {
    assert.equal(frame.transition, undefined, `${where}: no transition expected, got ${JSON.stringify(frame.transition)}`);
  }
}

async function drawScene(session: RendererSession, scene: Scene): Promise<Drawn> {
  const picked = pick(scene);
  const frame = await session.render(picked.atMs);
  const full = await decodePng(await session.screenshot());
  return { picked, frame, full };
}

/** The part of a decoded frame the golden holds. */
function cropOf(image: RawImage, picked: PickedInstant): RawImage {
  const box = picked.crop;
  if (!box) return image;
  const data = Buffer.alloc(box.w * box.h * 4);
  for (let y = 0; y < box.h; y += 1) {
    const from = ((box.y + y) * image.width + box.x) * 4;
    image.data.copy(data, y * box.w * 4, from, from + box.w * 4);
  }
  return { data, width: box.w, height: box.h };
}

async function readGolden(name: string): Promise<RawImage> {
  const path = join(GOLDENS_DIR, `${name}.png`);
  let png: Buffer;
  try {
    png = await readFile(path);
  } catch {
    throw new assert.AssertionError({
      message: `golden ${relative(PROJECT_ROOT, path)} is missing. If the scene is new, run UPDATE_GOLDENS=1 node --import tsx --test test/visual/goldens.test.ts and look at the PNG before committing it`,
    });
  }
  return decodePng(png);
}

const GROUPS: readonly { bundleName: BundleName; title: string }[] = [
  { bundleName: 'samples', title: 'each chosen instant' },
  { bundleName: 'takeover', title: 'the takeover at each risk level' },
];

for (const { bundleName, title } of GROUPS) for (const screenId of SAMPLE_SCREENS) {
  test(`${screenId}: ${title} matches its golden`, async (t) => {
    const session = sessions.get(sessionKey(bundleName, screenId))!;
    // Goldens drawn by pixi's canvas fallback would be meaningless (and would not match).
    assert.equal(session.rendererName, 'webgl', 'pixi fell back from WebGL');
    const scenes = scenesOf(bundleName, screenId);
    assert.ok(scenes.length > 0, `${screenId} has ${bundleName} scenes`);
    for (const scene of scenes) {
      const name = goldenName(scene);
      await t.test(name, async () => {
        const result = await drawScene(session, scene);
        assert.deepEqual([result.full.width, result.full.height], [session.screen.width, session.screen.height], `${name}: canvas size`);
        drawn.set(name, result);
        assertFrame(name, result.frame, result.picked);
        const actual = cropOf(result.full, result.picked);
        if (rewrites(name)) {
          await writeFile(join(GOLDENS_DIR, `${name}.png`), await encodePng(actual));
          return;
        }
        const expected = await readGolden(name);
        const comparison = compareImages(expected, actual, GOLDEN_TOLERANCE);
        if (!comparison.pass) {
          const diff = await writeFailureImages(OUTPUT_DIR, name, expected, actual, GOLDEN_TOLERANCE);
          assert.fail(
            `${name} (${at(result.picked.atMs)}) differs from test/goldens/${name}.png: ${describeComparison(comparison, GOLDEN_TOLERANCE)}. ` +
              `See ${relative(PROJECT_ROOT, diff)} and .expected.png/.actual.png beside it; if the change is intended, rerun with UPDATE_GOLDENS=1 and look at the new PNG.`,
          );
        }
      });
    }
    const report = await session.report();
    assert.deepEqual(report.faults, [], `${screenId}: the renderer reported faults`);
    assert.deepEqual(session.pageErrors(), [], `${screenId}: page errors`);
  });

  test(`${screenId}: ${title}, drawn again after the others, is pixel-identical`, async () => {
    const session = sessions.get(sessionKey(bundleName, screenId))!;
    const scenes = scenesOf(bundleName, screenId);
    const problems: string[] = [];
    // Reverse order: every instant is now drawn after a different one than the first time.
    for (const scene of [...scenes].reverse()) {
      const name = goldenName(scene);
      const first = drawn.get(name);
      if (!first) {
        problems.push(`${name}: not drawn by the golden test`);
        continue;
      }
      const again = await drawScene(session, scene);
      assert.equal(again.picked.atMs, first.picked.atMs);
      assert.deepEqual(again.frame, first.frame, `${name}: frame info`);
      const comparison = compareImages(first.full, again.full, IDENTICAL);
      if (!comparison.pass) {
        const diff = await writeFailureImages(OUTPUT_DIR, `${name}.repeat`, first.full, again.full, IDENTICAL);
        problems.push(`${name}: ${describeComparison(comparison, IDENTICAL)} (see ${relative(PROJECT_ROOT, diff)})`);
      }
    }
    assert.deepEqual(problems, [], 'the same instant drew different pixels');
  });
}

test('a ticker moves by exactly its whole pixels per frame between two goldens', () => {
  const checked: string[] = [];
  for (const scene of SCENES.filter((s) => s.scrollsFrom)) {
    const name = goldenName(scene);
    const fromName = goldenName({ screenId: scene.screenId, what: scene.scrollsFrom! });
    const a = drawn.get(fromName);
    const b = drawn.get(name);
    assert.ok(a && b, `${fromName} and ${name} were drawn`);
    const ticker = b.picked.ticker;
    assert.ok(ticker, `${name} names its ticker`);
    assert.equal(a.picked.pageStartMs, b.picked.pageStartMs, `${fromName} and ${name} show the same page`);
    const shift = tickerShift(ticker, a.picked.atMs, b.picked.atMs, b.picked.pageStartMs);
    assert.ok(shift > 0 && shift < ticker.w / 2, `${name}: moved ${shift} px`);
    // Inside the ticker's box, the later band is the earlier one moved left by `shift` pixels.
    let mismatched = 0;
    for (let y = ticker.y; y < ticker.y + ticker.h; y += 1) {
      for (let x = ticker.x; x < ticker.x + ticker.w - shift; x += 1) {
        const i = (y * b.full.width + x) * 4;
        const j = (y * a.full.width + x + shift) * 4;
        if (b.full.data.readUInt32BE(i) !== a.full.data.readUInt32BE(j)) mismatched += 1;
      }
    }
    assert.equal(mismatched, 0, `${name}: ${mismatched} pixels of the ticker are not ${fromName}'s moved by ${shift} px`);
    // And it did move: the two bands are not the same picture.
    assert.ok(!cropOf(a.full, { ...a.picked, crop: ticker }).data.equals(cropOf(b.full, { ...b.picked, crop: ticker }).data), `${name}: the ticker did not move`);
    checked.push(`${name} (${shift} px)`);
  }
  assert.ok(checked.length >= 3, `scrolling checked for ${checked.join(', ')}`);
});

test('test/goldens holds exactly one golden per scene: a deleted golden fails, a stray one is named', async () => {
  const expected = new Set(SCENES.map((s) => `${goldenName(s)}.png`));
  assert.equal(expected.size, SCENES.length, 'scene names are unique');
  for (const screenId of SAMPLE_SCREENS) assert.ok(SCENES.some((s) => s.screenId === screenId), `${screenId} has goldens`);
  const present = (await readdir(GOLDENS_DIR).catch(() => [] as string[])).filter((f) => f.endsWith('.png'));
  const strays = present.filter((f) => !expected.has(f));
  // A partial update (GOLDENS_ONLY) leaves other files alone.
  if (UPDATE && ONLY === '') for (const stray of strays) await rm(join(GOLDENS_DIR, stray));
  const missing = [...expected].filter((f) => !present.includes(f));
  assert.deepEqual(missing, [], 'goldens missing from test/goldens (UPDATE_GOLDENS=1 writes them; look at them before committing)');
  if (!UPDATE) assert.deepEqual(strays, [], 'PNGs in test/goldens that no scene draws (delete them, or rerun with UPDATE_GOLDENS=1)');
});
