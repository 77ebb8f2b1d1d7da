import { pageAt, resolveActive, type ScreenMode } from '../../compiler/format/resolve-active.ts';
import type { BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import type { Schedule } from '../../compiler/format/schedule.ts';
import type { Page, TickerNode } from '../../compiler/format/scene.ts';
import { tickerOffset } from '../../player/renderer/ticker-layout.ts';

// The instants the golden screenshots show, picked from each screen's compiled schedule with
// the schedule's own functions (resolveActive/pageAt) rather than hard-coded clock times: a
// change of page durations moves the instants with them, and a change of what plays when is
// caught by the expectation each scene carries (mode, page, transition).

/** The compile instant of the samples: a Saturday, content playing on every screen. */
export const CONTENT_AT = Date.parse('2026-11-21T08:00:00+07:00');
/** Inside the sample flood warning's validity: the emergency takeover. */
export const EMERGENCY_AT = Date.parse('2026-11-22T10:00:00+07:00');

export interface CycleSlot {
  readonly pageId: string;
  readonly index: number;
  readonly startMs: number;
  readonly endMs: number;
}

export interface Cycle {
  readonly mode: ScreenMode;
  readonly slots: readonly CycleSlot[];
}

/**
 * The whole playlist cycle that is playing at `atMs`, each page with the instant it starts,
 * checked slot by slot against pageAt so that a cycle cut short by a schedule change is
 * refused instead of giving instants on some other page.
 */
export function cycleAt(schedule: Schedule, atMs: number): Cycle {
  const state = resolveActive(schedule, atMs);
  const here = pageAt(state, atMs);
  if (!here) throw new Error(`nothing plays at ${new Date(atMs).toISOString()} (mode ${state.mode})`);
  let start = here.startedAtMs - state.playlist.slice(0, here.index).reduce((sum, item) => sum + item.durationMs, 0);
  const slots: CycleSlot[] = state.playlist.map((item, index) => {
    const slot = { pageId: item.pageId, index, startMs: start, endMs: start + item.durationMs };
    start += item.durationMs;
    return slot;
  });
  for (const slot of slots) {
    const check = resolveActive(schedule, slot.startMs);
    const position = pageAt(check, slot.startMs);
    if (check.mode !== state.mode || position?.item.pageId !== slot.pageId || position.startedAtMs !== slot.startMs || slot.endMs > check.nextChangeMs) {
      throw new Error(`the cycle around ${new Date(atMs).toISOString()} is interrupted at ${slot.pageId}: pick another instant`);
    }
  }
  return { mode: state.mode, slots };
}

export interface ExpectedFrame {
  readonly mode: ScreenMode;
  readonly pageId: string;
  readonly transition?: { readonly kind: 'fade' | 'slide'; readonly progress: number; readonly fromPageId: string };
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface PickedInstant {
  readonly atMs: number;
  readonly expect: ExpectedFrame;
  /** When the page on screen started (the origin of a 'page'-phase ticker). */
  readonly pageStartMs: number;
  /** Only this part of the frame is the golden (the ticker band). */
  readonly crop?: Box;
  /** The ticker whose scrolling the scene shows. */
  readonly ticker?: TickerNode;
}

export interface SceneContext {
  readonly schedule: Schedule;
  readonly manifest: BundleManifest;
}

export interface Scene {
  readonly screenId: string;
  /** Which compiled bundle the scene draws: the shared samples (default) or the takeover notices. */
  readonly bundle?: 'samples' | 'takeover';
  /** Second half of the golden's name: `<screen>--<what>.png`. */
  readonly what: string;
  readonly pick: (context: SceneContext) => PickedInstant;
  /**
   * Another scene of the same page and screen, earlier: this scene's ticker box must be that
   * one's moved left by exactly the whole pixels the ticker advanced in between.
   */
  readonly scrollsFrom?: string;
}

export function goldenName(scene: Pick<Scene, 'screenId' | 'what'>): string {
  return `${scene.screenId}--${scene.what}`;
}

function pageOf(manifest: BundleManifest, pageId: string): Page {
  const page = manifest.pages.find((p) => p.id === pageId);
  if (!page) throw new Error(`${manifest.screen.id}: the schedule plays ${pageId}, which the manifest lacks`);
  return page;
}

/** Past the page's transition, plus a margin, so the page stands still. */
function settled(manifest: BundleManifest, slot: CycleSlot, marginMs = 2000): number {
  return slot.startMs + pageOf(manifest, slot.pageId).transition.durationMs + marginMs;
}

type SlotChooser = (slots: readonly CycleSlot[], manifest: BundleManifest) => CycleSlot | undefined;

const first: SlotChooser = (slots) => slots[0];
const byId = (pageId: string): SlotChooser => (slots) => slots.find((s) => s.pageId === pageId);
/** The first page after the cycle's first one that comes in with this transition. */
const withTransition = (kind: 'fade' | 'slide'): SlotChooser => (slots, manifest) =>
  slots.find((s) => s.index > 0 && pageOf(manifest, s.pageId).transition.kind === kind);

function choose(context: SceneContext, atMs: number, chooser: SlotChooser, what: string): { cycle: Cycle; slot: CycleSlot } {
  const cycle = cycleAt(context.schedule, atMs);
  const slot = chooser(cycle.slots, context.manifest);
  if (!slot) throw new Error(`${context.manifest.screen.id}: no page for "${what}" in ${cycle.slots.map((s) => s.pageId).join(', ')}; the layout or samples changed, revise test/visual/scenes.ts`);
  return { cycle, slot };
}

/** A page standing still, `offsetMs` after its transition ended. */
function still(what: string, at: number, chooser: SlotChooser, offsetMs = 2000): (context: SceneContext) => PickedInstant {
  return (context) => {
    const { cycle, slot } = choose(context, at, chooser, what);
    const page = pageOf(context.manifest, slot.pageId);
    const ticker = page.nodes.find((n): n is TickerNode => n.type === 'ticker');
    return {
      atMs: settled(context.manifest, slot, offsetMs),
      pageStartMs: slot.startMs,
      expect: { mode: cycle.mode, pageId: slot.pageId },
      ...(ticker ? { ticker } : {}),
    };
  };
}

/** The very first millisecond of the chosen page: a cut must show it whole, at once. */
function atStart(what: string, chooser: SlotChooser): (context: SceneContext) => PickedInstant {
  return (context) => {
    const { cycle, slot } = choose(context, CONTENT_AT, chooser, what);
    if (pageOf(context.manifest, slot.pageId).transition.kind !== 'cut') throw new Error(`${slot.pageId} does not come in with a cut`);
    return { atMs: slot.startMs, pageStartMs: slot.startMs, expect: { mode: cycle.mode, pageId: slot.pageId } };
  };
}

/** Halfway through the transition into the chosen page. */
function midTransition(what: string, kind: 'fade' | 'slide'): (context: SceneContext) => PickedInstant {
  return (context) => {
    const { cycle, slot } = choose(context, CONTENT_AT, withTransition(kind), what);
    const previous = cycle.slots[slot.index - 1]!;
    const duration = pageOf(context.manifest, slot.pageId).transition.durationMs;
    return {
      atMs: slot.startMs + duration / 2,
      pageStartMs: slot.startMs,
      expect: { mode: cycle.mode, pageId: slot.pageId, transition: { kind, progress: 0.5, fromPageId: previous.pageId } },
    };
  };
}

/** The ticker of the LCD layouts' chrome (the P10 sign's scrolling line is a page's node instead). */
export function chromeTickerNode(manifest: BundleManifest): TickerNode {
  const ticker = [...manifest.chrome.under, ...manifest.chrome.over].find((n): n is TickerNode => n.type === 'ticker');
  if (!ticker) throw new Error(`${manifest.screen.id}: no ticker in the chrome`);
  return ticker;
}

/** The chrome's ticker band across the whole width (its label included), `offsetMs` into a page. */
function chromeTicker(what: string, offsetMs: number): (context: SceneContext) => PickedInstant {
  return (context) => {
    const { cycle, slot } = choose(context, CONTENT_AT, byId('ke-hoach-thong-tin-co-so-1'), what);
    const ticker = chromeTickerNode(context.manifest);
    return {
      atMs: settled(context.manifest, slot, offsetMs),
      pageStartMs: slot.startMs,
      expect: { mode: cycle.mode, pageId: slot.pageId },
      crop: { x: 0, y: ticker.y, w: context.manifest.screen.width, h: ticker.h },
      ticker,
    };
  };
}

const LCD_SCENES = (screenId: string): Scene[] => [
  { screenId, what: 'first-page', pick: still('first-page', CONTENT_AT, first) },
  { screenId, what: 'fade-mid', pick: midTransition('fade-mid', 'fade') },
  { screenId, what: 'slide-mid', pick: midTransition('slide-mid', 'slide') },
  { screenId, what: 'later-page', pick: still('later-page', CONTENT_AT, byId('tiem-chung-thang-12-1')) },
  { screenId, what: 'ticker-a', pick: chromeTicker('ticker-a', 3000) },
  // One second later: 60 frames, the band moved by 60 × pxPerFrame.
  { screenId, what: 'ticker-b', pick: chromeTicker('ticker-b', 4000), scrollsFrom: 'ticker-a' },
  { screenId, what: 'emergency', pick: still('emergency', EMERGENCY_AT, first) },
];

/** The risk levels of QĐ 18/2021 (cấp 1–5), one takeover golden each per screen. */
export const RISK_LEVELS = [1, 2, 3, 4, 5] as const;
const TAKEOVER_FIRST_HOUR = Date.parse('2026-12-01T09:00:00+07:00');

/**
 * The notice of test/visual/takeover-notices/ at a risk level, and its hour: level N is valid
 * from 09:00 + (N − 1) h for one hour (the notices' own `valid` fields say the same).
 */
export function takeoverNotice(level: number): { readonly id: string; readonly fromMs: number; readonly toMs: number } {
  const fromMs = TAKEOVER_FIRST_HOUR + (level - 1) * 3_600_000;
  return { id: `canh-bao-cap-${level}`, fromMs, toMs: fromMs + 3_600_000 };
}

/** The takeover of the level-`level` notice, standing still `offsetMs` after its transition. */
function takeover(level: number, offsetMs: number): (context: SceneContext) => PickedInstant {
  const notice = takeoverNotice(level);
  const what = `takeover-cap-${level}`;
  return (context) => {
    // A few minutes into the notice's hour: the cycle around it is the notice's pages alone.
    const picked = still(what, notice.fromMs + 5 * 60_000, first, offsetMs)(context);
    if (picked.expect.mode !== 'emergency' || !picked.expect.pageId.startsWith(`${notice.id}-`)) {
      throw new Error(`${context.manifest.screen.id}: ${what} shows ${picked.expect.pageId} in mode ${picked.expect.mode}, not ${notice.id}'s takeover`);
    }
    return picked;
  };
}

/**
 * Issue 5: the takeover of each sample screen at each risk level, drawn from the takeover
 * bundle. The P10 sign scrolls its warning: 19.5 s into the pass its 192 px show the level ("…tai: cấp N").
 */
export const TAKEOVER_SCENES: readonly Scene[] = (['ubnd-sanh', 'ubnd-kiosk', 'cong-xa', 'cong-xa-p10'] as const).flatMap((screenId) =>
  RISK_LEVELS.map((level): Scene => ({
    screenId,
    bundle: 'takeover',
    what: `takeover-cap-${level}`,
    pick: takeover(level, screenId === 'cong-xa-p10' ? 19_500 : 2000),
  })),
);

/** Every golden the visual test expects, in the order it draws them. */
export const SCENES: readonly Scene[] = [
  ...LCD_SCENES('ubnd-sanh'),
  ...LCD_SCENES('ubnd-kiosk'),
  // led-gon cuts between pages (no transition to catch halfway) and has no ticker; its
  // picture page, a text page under the clock strip, the instant of a cut, and the takeover.
  { screenId: 'cong-xa', what: 'first-page', pick: still('first-page', CONTENT_AT, first) },
  { screenId: 'cong-xa', what: 'later-page', pick: still('later-page', CONTENT_AT, byId('ke-hoach-thong-tin-co-so-1')) },
  { screenId: 'cong-xa', what: 'cut', pick: atStart('cut', byId('phong-chay-rung-1')) },
  { screenId: 'cong-xa', what: 'emergency', pick: still('emergency', EMERGENCY_AT, first) },
  // led-chay-chu: one scrolling line per page; the line at two offsets, another page, the takeover.
  { screenId: 'cong-xa-p10', what: 'scroll-a', pick: still('scroll-a', CONTENT_AT, first, 2500) },
  { screenId: 'cong-xa-p10', what: 'scroll-b', pick: still('scroll-b', CONTENT_AT, first, 3500), scrollsFrom: 'scroll-a' },
  { screenId: 'cong-xa-p10', what: 'later-page', pick: still('later-page', CONTENT_AT, byId('ke-hoach-thong-tin-co-so-1'), 4000) },
  { screenId: 'cong-xa-p10', what: 'emergency', pick: still('emergency', EMERGENCY_AT, first, 3000) },
  ...TAKEOVER_SCENES,
];

/**
 * How far a ticker moved between two instants of the same page, in whole pixels, from the
 * renderer's own arithmetic (tickerOffset): what the band's pictures must differ by.
 */
export function tickerShift(ticker: TickerNode, fromMs: number, toMs: number, pageStartMs: number): number {
  return tickerOffset(ticker, toMs, pageStartMs) - tickerOffset(ticker, fromMs, pageStartMs);
}
