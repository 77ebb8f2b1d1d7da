import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import { pageAt, resolveActive } from '../../compiler/format/resolve-active.ts';
import type { Schedule } from '../../compiler/format/schedule.ts';
import { FramePlanner, type FrameSource } from '../../player/renderer/frame-plan.ts';
import { AT, compileSampleBundle, type SampleBundle } from './sample-bundle.ts';

// What the renderer puts on screen at an instant, decided without a browser: operating hours,
// the emergency takeover, transitions from whatever really played before, and the page due next.

let bundle: SampleBundle;
let manifest: BundleManifest;
let schedule: Schedule;

before(async () => {
  bundle = await compileSampleBundle();
  manifest = bundle.manifests.get('ubnd-sanh')!;
  schedule = bundle.schedules.get('ubnd-sanh')!;
});
after(() => bundle.cleanup());

const pageId = (source: FrameSource | undefined) => (source?.kind === 'page' ? source.page.id : source?.kind);

/** The first instant at or after `fromMs` when `id` starts, found with the schedule's own functions. */
function nextStartOf(id: string, fromMs: number): number {
  for (let t = fromMs; t < fromMs + 86_400_000; t += 1000) {
    const position = pageAt(resolveActive(schedule, t), t);
    if (position?.item.pageId === id && position.startedAtMs >= fromMs - 1000) return position.startedAtMs;
  }
  throw new Error(`${id} does not start within a day of ${new Date(fromMs).toISOString()}`);
}

test('outside operating hours the hall screen is black', () => {
  const plan = new FramePlanner(manifest, schedule).plan(AT.night);
  assert.equal(plan.mode, 'off');
  assert.equal(plan.current.kind, 'black');
  assert.equal(plan.transition, undefined);
});

test('the flood warning takes over, and at its start fades in from the black of the night', () => {
  const planner = new FramePlanner(manifest, schedule);
  const during = planner.plan(AT.emergency);
  assert.equal(during.mode, 'emergency');
  assert.equal(pageId(during.current), 'canh-bao-mua-lon-1');
  // A one-page playlist loops onto itself: no transition, and it is its own next page.
  assert.equal(during.transition, undefined);
  assert.equal(pageId(during.next), 'canh-bao-mua-lon-1');

  const start = Date.parse('2026-11-22T05:00:00+07:00');
  const page = manifest.pages.find((p) => p.id === 'canh-bao-mua-lon-1')!;
  const plan = planner.plan(start + page.transition.durationMs / 2);
  assert.equal(plan.transition?.kind, page.transition.kind);
  assert.equal(plan.transition?.from.kind, 'black');
  assert.equal(plan.transition?.progress, 0.5);
});

test('at opening time the first page fades in from black', () => {
  const opening = Date.parse('2026-11-21T06:00:00+07:00');
  const plan = new FramePlanner(manifest, schedule).plan(opening + 100);
  assert.equal(plan.mode, 'content');
  assert.equal(plan.transition?.from.kind, 'black');
});

test('a page slides in from the page before it, and the transition ends after its duration', () => {
  const planner = new FramePlanner(manifest, schedule);
  const start = nextStartOf('ke-hoach-thong-tin-co-so-2', AT.content);
  const page = manifest.pages.find((p) => p.id === 'ke-hoach-thong-tin-co-so-2')!;
  assert.equal(page.transition.kind, 'slide');
  const mid = planner.plan(start + page.transition.durationMs / 2);
  assert.equal(mid.transition?.kind, 'slide');
  assert.equal(pageId(mid.transition?.from), 'ke-hoach-thong-tin-co-so-1');
  assert.equal(mid.transition?.progress, 0.5);
  assert.equal(planner.plan(start + page.transition.durationMs).transition, undefined);
});

test('the next page and the instant it is due are known while the current one plays', () => {
  const planner = new FramePlanner(manifest, schedule);
  const plan = planner.plan(AT.content);
  const position = pageAt(resolveActive(schedule, AT.content), AT.content)!;
  assert.equal(plan.nextAtMs, position.endsAtMs);
  const atNext = planner.plan(plan.nextAtMs);
  assert.equal(pageId(atNext.current), pageId(plan.next));
  assert.notEqual(pageId(plan.next), pageId(plan.current));
});

test('a page the schedule names but the bundle lacks draws the background and is reported', () => {
  const broken: BundleManifest = { ...manifest, pages: manifest.pages.filter((p) => p.id !== 'canh-bao-mua-lon-1') };
  const plan = new FramePlanner(broken, schedule).plan(AT.emergency);
  assert.equal(plan.current.kind, 'blank');
  assert.deepEqual(plan.missingPageIds, ['canh-bao-mua-lon-1']);
});

test('planning is a function of the instant alone', () => {
  const a = new FramePlanner(manifest, schedule);
  const b = new FramePlanner(manifest, schedule);
  a.plan(AT.emergency);
  a.plan(AT.night);
  for (const at of [AT.content, AT.content + 12_345, AT.emergency]) {
    assert.deepEqual(JSON.stringify(a.plan(at)), JSON.stringify(b.plan(at)));
  }
});
