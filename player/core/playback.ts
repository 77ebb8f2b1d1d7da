import { pageAt, resolveActive, type ScreenMode } from '../../compiler/format/resolve-active.ts';
import type { Schedule } from '../../compiler/format/schedule.ts';
import type { Logger } from '../../compiler/format/logger.ts';
import type { PlayLog } from './play-log.ts';

// What is on screen, decided purely from the active bundle's schedule and an instant, plus a
// thin driver that wakes at each change and keeps the proof-of-play log. The renderer makes
// the same decision from the same schedule with the same pure functions (resolveActive and
// pageAt), so the record written here names what the panel shows.

export interface PlayableBundle {
  readonly bundleId: string;
  readonly schedule: Schedule;
}

export interface PageOnScreen {
  readonly pageId: string;
  readonly noticeId: string | null;
  /** When this occurrence of the page began according to the schedule. */
  readonly startedAtMs: number;
  readonly endsAtMs: number;
}

export interface OnScreen {
  readonly bundleId: string | null;
  /** 'none': no bundle has ever been activated on this player. */
  readonly mode: ScreenMode | 'none';
  readonly brightnessPercent: number;
  readonly page: PageOnScreen | null;
  /** When this answer may next change (page end or schedule change); null: never by itself. */
  readonly nextChangeMs: number | null;
}

export function decideOnScreen(bundle: PlayableBundle | undefined, nowMs: number): OnScreen {
  if (!bundle) return { bundleId: null, mode: 'none', brightnessPercent: 100, page: null, nextChangeMs: null };
  const state = resolveActive(bundle.schedule, nowMs);
  const position = pageAt(state, nowMs);
  const page = position
    ? { pageId: position.item.pageId, noticeId: position.item.noticeId, startedAtMs: position.startedAtMs, endsAtMs: position.endsAtMs }
    : null;
  return {
    bundleId: bundle.bundleId,
    mode: state.mode,
    brightnessPercent: state.brightnessPercent,
    page,
    nextChangeMs: page ? Math.min(page.endsAtMs, state.nextChangeMs) : state.nextChangeMs,
  };
}

/**
 * The proof-of-play record id of one page occurrence. Derived, not random: a player that
 * restarts while the same occurrence is on screen finds the record it already wrote, and the
 * hub, which de-duplicates on the id, never counts one showing twice.
 */
export function playRecordId(options: { deviceId: string; bundleId: string; startedAtMs: number }): string {
  return `${options.deviceId}-${options.bundleId.slice(0, 16)}-${options.startedAtMs}`;
}

export function sameOnScreen(a: OnScreen, b: OnScreen): boolean {
  return (
    a.bundleId === b.bundleId &&
    a.mode === b.mode &&
    a.brightnessPercent === b.brightnessPercent &&
    a.page?.pageId === b.page?.pageId &&
    a.page?.startedAtMs === b.page?.startedAtMs
  );
}

/** Calls `fn` after `ms` milliseconds of the injected clock; returns a cancel function. */
export type WakeAfter = (ms: number, fn: () => void) => () => void;

export const realWakeAfter: WakeAfter = (ms, fn) => {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
};

export interface PlaybackDriverOptions {
  readonly plays: PlayLog;
  readonly deviceId: string;
  readonly clock: () => number;
  readonly logger: Logger;
  readonly wakeAfter?: WakeAfter;
  /** Sleep at most this long, so a clock that jumps (NTP, a dead RTC battery) is noticed. */
  readonly maxSleepMs?: number;
  readonly onChange?: (now: OnScreen, before: OnScreen) => void;
}

export class PlaybackDriver {
  private bundle: PlayableBundle | undefined;
  private current: OnScreen = decideOnScreen(undefined, 0);
  /** The record of the page on screen; it is closed when the page leaves. */
  private openId: string | null = null;
  /** Since when this driver has shown the current bundle: a record cannot start earlier. */
  private showingSinceMs: number;
  private cancelWake: (() => void) | undefined;
  private firstTick = true;
  private stopped = false;

  constructor(private readonly options: PlaybackDriverOptions) {
    this.showingSinceMs = options.clock();
  }

  get onScreen(): OnScreen {
    return this.current;
  }

  /** Switches to a bundle (or to none) and decides again at once. */
  show(bundle: PlayableBundle | undefined): OnScreen {
    if (bundle?.bundleId !== this.bundle?.bundleId) this.showingSinceMs = this.options.clock();
    this.bundle = bundle;
    return this.tick();
  }

  /** Decides what is on screen now, keeps the play log in step, and sleeps until the next change. */
  tick(): OnScreen {
    if (this.stopped) return this.current;
    const { plays, clock, deviceId } = this.options;
    const nowMs = clock();
    const next = decideOnScreen(this.bundle, nowMs);
    const nextId = next.page && next.bundleId ? playRecordId({ deviceId, bundleId: next.bundleId, startedAtMs: next.page.startedAtMs }) : null;
    try {
      const openId = plays.inOneCommit(() => {
        let openId = this.openId;
        if (openId !== null && openId !== nextId) {
          plays.close(openId, nowMs);
          openId = null;
        }
        if (nextId !== null && openId !== nextId && next.page && next.bundleId) {
          // Written before anything reports it: the record exists from the moment the page shows.
          plays.open({
            id: nextId,
            bundleId: next.bundleId,
            noticeId: next.page.noticeId,
            pageId: next.page.pageId,
            startMs: Math.max(next.page.startedAtMs, this.showingSinceMs),
            plannedEndMs: next.page.endsAtMs,
          });
          openId = nextId;
        }
        if (this.firstTick) {
          // Records a crash left open are closed now; the one still on screen carries on.
          const closed = plays.closeAbandoned({ keepId: openId, nowMs });
          if (closed > 0) this.options.logger.info('closed proof-of-play records left open by an interrupted run', { closed });
        }
        return openId;
      });
      this.openId = openId;
      this.firstTick = false;
    } catch (error) {
      // A full disk must not blank the screen: playback goes on, the record is lost.
      this.options.logger.error('could not write proof of play', { error: (error as Error).message });
    }
    const before = this.current;
    this.current = next;
    if (!sameOnScreen(before, next)) this.options.onChange?.(next, before);
    this.sleepUntil(next.nextChangeMs, nowMs);
    return next;
  }

  /** Closes the record on screen (a clean shutdown knows when the page left). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelWake?.();
    if (this.openId !== null) {
      try {
        this.options.plays.close(this.openId, this.options.clock());
      } catch (error) {
        this.options.logger.error('could not close the last proof-of-play record', { error: (error as Error).message });
      }
      this.openId = null;
    }
  }

  private sleepUntil(wakeMs: number | null, nowMs: number): void {
    this.cancelWake?.();
    const maxSleepMs = this.options.maxSleepMs ?? 60_000;
    const delay = wakeMs === null ? maxSleepMs : Math.min(maxSleepMs, Math.max(0, wakeMs - nowMs));
    this.cancelWake = (this.options.wakeAfter ?? realWakeAfter)(delay, () => this.tick());
  }
}
