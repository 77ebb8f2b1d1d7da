import type { BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import { pageAt, resolveActive, type ActiveState, type ScreenMode } from '../../compiler/format/resolve-active.ts';
import type { Schedule } from '../../compiler/format/schedule.ts';
import type { Page, Transition } from '../../compiler/format/scene.ts';

// What is on screen at an instant, decided from the bundle and the schedule alone (no pixi,
// no DOM, no clock): the page, the page it is coming from during a transition, and the page
// due next so its textures can be ready in time. Pure, so it is tested without a browser.

export type FrameSource =
  /** Operating hours are over: the panel shows black. */
  | { readonly kind: 'black' }
  /** On, but nothing to show (idle with no idle page, or a page the bundle lacks): the background. */
  | { readonly kind: 'blank' }
  | { readonly kind: 'page'; readonly page: Page; readonly startedAtMs: number };

export interface FrameTransition {
  readonly kind: Exclude<Transition['kind'], 'cut'>;
  /** 0 at the page's start, 1 when the transition is over (never reached while it runs). */
  readonly progress: number;
  readonly from: FrameSource;
}

export interface FramePlan {
  readonly atMs: number;
  readonly mode: ScreenMode;
  readonly brightnessPercent: number;
  readonly current: FrameSource;
  readonly transition?: FrameTransition;
  /** What shows from `nextAtMs` on, so it can be prepared while the current page plays. */
  readonly next: FrameSource;
  readonly nextAtMs: number;
  /** Pages the schedule names but the manifest lacks. */
  readonly missingPageIds: readonly string[];
}

export function sourceKey(source: FrameSource): string {
  return source.kind === 'page' ? `page:${source.page.id}` : source.kind;
}

interface Located {
  readonly state: ActiveState;
  readonly source: FrameSource;
  readonly endsAtMs: number;
  readonly missing?: string;
}

export class FramePlanner {
  private readonly pages: ReadonlyMap<string, Page>;
  /**
   * resolveActive scans days of boundaries. The instants asked for besides the frame's own
   * (the current page's start and end) stay the same for a whole page, so a small
   * least-recently-added cache keeps them while frame instants pass through it.
   */
  private readonly states = new Map<number, ActiveState>();

  constructor(
    manifest: BundleManifest,
    private readonly schedule: Schedule,
  ) {
    this.pages = new Map(manifest.pages.map((page) => [page.id, page]));
  }

  plan(atMs: number): FramePlan {
    const here = this.locate(atMs);
    const missing = here.missing === undefined ? [] : [here.missing];
    let transition: FrameTransition | undefined;
    if (here.source.kind === 'page') {
      const { page, startedAtMs } = here.source;
      const elapsed = atMs - startedAtMs;
      if (page.transition.kind !== 'cut' && page.transition.durationMs > 0 && elapsed < page.transition.durationMs) {
        // The page shown just before this one started: the previous playlist item, or whatever
        // played before the playlist changed (content before an emergency, black before opening
        // hours), which pageAt alone cannot know.
        const before = this.locate(startedAtMs - 1);
        if (sourceKey(before.source) !== sourceKey(here.source)) {
          transition = { kind: page.transition.kind, progress: Math.max(0, elapsed) / page.transition.durationMs, from: before.source };
        }
      }
    }
    const nextAtMs = Math.min(here.endsAtMs, here.state.nextChangeMs);
    const next = this.locate(nextAtMs);
    if (next.missing !== undefined && !missing.includes(next.missing)) missing.push(next.missing);
    return {
      atMs,
      mode: here.state.mode,
      brightnessPercent: here.state.brightnessPercent,
      current: here.source,
      ...(transition ? { transition } : {}),
      next: next.source,
      nextAtMs,
      missingPageIds: missing,
    };
  }

  private resolve(atMs: number): ActiveState {
    const cached = this.states.get(atMs);
    if (cached) {
      this.states.delete(atMs);
      this.states.set(atMs, cached);
      return cached;
    }
    const state = resolveActive(this.schedule, atMs);
    this.states.set(atMs, state);
    if (this.states.size > 8) this.states.delete(this.states.keys().next().value as number);
    return state;
  }

  private locate(atMs: number): Located {
    const state = this.resolve(atMs);
    if (state.mode === 'off') return { state, source: { kind: 'black' }, endsAtMs: state.nextChangeMs };
    const position = pageAt(state, atMs);
    if (!position) return { state, source: { kind: 'blank' }, endsAtMs: state.nextChangeMs };
    const page = this.pages.get(position.item.pageId);
    if (!page) return { state, source: { kind: 'blank' }, endsAtMs: position.endsAtMs, missing: position.item.pageId };
    return { state, source: { kind: 'page', page, startedAtMs: position.startedAtMs }, endsAtMs: position.endsAtMs };
  }
}
