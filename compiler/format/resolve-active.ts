import type { Schedule, ScheduleEntry } from './schedule.ts';
import { parseHourMinute, toVietnamWallTime, WEEKDAY_CODES } from './vietnam-time.ts';

// What plays at an instant, decided purely from the schedule and `nowMs`. Cron jobs and
// timers in the player only wake it up at `nextChangeMs`; they never decide anything.

export type ScreenMode = 'emergency' | 'content' | 'idle' | 'off';

export interface PlaylistItem {
  readonly pageId: string;
  readonly noticeId: string | null;
  readonly durationMs: number;
}

export interface ActiveState {
  readonly mode: ScreenMode;
  readonly playlist: readonly PlaylistItem[];
  /** When this playlist became current (or 0 when that is beyond the horizon): the phase origin of its cycle. */
  readonly sinceMs: number;
  /** The next instant at which mode, playlist or brightness changes (or the horizon's end). */
  readonly nextChangeMs: number;
  readonly brightnessPercent: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** How far resolveActive looks back for `sinceMs` and forward for `nextChangeMs`. */
const HORIZON_DAYS = 8;

interface DailyWindow {
  readonly days?: readonly string[] | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/**
 * Whether a daily window contains the instant, in Vietnam wall time. A window whose `to` is
 * not after its `from` runs past midnight; its early-morning part belongs to the previous
 * day's weekday ("fri 22:00–02:00" still plays at 01:00 on Saturday).
 */
export function inDailyWindow(window: DailyWindow, epochMs: number): boolean {
  const wall = toVietnamWallTime(epochMs);
  const minute = wall.hour * 60 + wall.minute;
  const from = window.from === undefined ? 0 : parseHourMinute(window.from);
  const to = window.to === undefined ? 1440 : parseHourMinute(window.to);
  const dayAllowed = (weekday: number) =>
    window.days === undefined || window.days.includes(WEEKDAY_CODES[(weekday + 7) % 7] ?? '');
  if (from < to) return minute >= from && minute < to && dayAllowed(wall.weekday);
  if (from === to) return dayAllowed(wall.weekday); // "on 00:00 off 00:00": all day
  if (minute >= from) return dayAllowed(wall.weekday);
  if (minute < to) return dayAllowed(wall.weekday - 1);
  return false;
}

function entryActive(entry: ScheduleEntry, epochMs: number): boolean {
  return epochMs >= entry.validFromMs && epochMs < entry.validToMs && inDailyWindow(entry, epochMs);
}

function screenOn(schedule: Schedule, epochMs: number): boolean {
  if (!schedule.hours) return true;
  return inDailyWindow({ days: schedule.hours.days, from: schedule.hours.on, to: schedule.hours.off }, epochMs);
}

function brightnessAt(schedule: Schedule, epochMs: number): number {
  const steps = schedule.brightness;
  if (!steps || steps.length === 0) return 100;
  const wall = toVietnamWallTime(epochMs);
  const minute = wall.hour * 60 + wall.minute;
  const sorted = [...steps].sort((a, b) => parseHourMinute(a.at) - parseHourMinute(b.at));
  // Before the first step of the day, yesterday's last step still holds.
  let current = sorted[sorted.length - 1]!;
  for (const step of sorted) if (parseHourMinute(step.at) <= minute) current = step;
  return current.percent;
}

function toItems(entries: readonly ScheduleEntry[]): PlaylistItem[] {
  return entries.flatMap((entry) =>
    entry.pages.map((page) => ({ pageId: page.pageId, noticeId: entry.noticeId, durationMs: page.durationMs })),
  );
}

function playlistAt(schedule: Schedule, epochMs: number): { mode: ScreenMode; playlist: PlaylistItem[] } {
  const active = schedule.entries.filter((entry) => entryActive(entry, epochMs));
  const emergencies = active
    .filter((entry) => entry.priority === 'emergency')
    .sort((a, b) => b.riskLevel - a.riskLevel || (a.noticeId < b.noticeId ? -1 : 1));
  // An emergency pre-empts everything, operating hours included: a flood warning at night
  // must light a blank screen.
  if (emergencies.length > 0) return { mode: 'emergency', playlist: toItems(emergencies) };
  if (!screenOn(schedule, epochMs)) return { mode: 'off', playlist: [] };
  const ordered = [
    ...active.filter((entry) => entry.priority === 'priority'),
    ...active.filter((entry) => entry.priority === 'normal'),
  ];
  if (ordered.length > 0) return { mode: 'content', playlist: toItems(ordered) };
  const idle = schedule.idle ? [{ pageId: schedule.idle.pageId, noticeId: null, durationMs: schedule.idle.durationMs }] : [];
  return { mode: 'idle', playlist: idle };
}

function playlistKey(state: { mode: ScreenMode; playlist: PlaylistItem[] }): string {
  return `${state.mode}|${state.playlist.map((item) => item.pageId).join(',')}`;
}

/** Every instant around `nowMs` at which the answer could change, ascending. */
function candidateBoundaries(schedule: Schedule, nowMs: number): number[] {
  const times = new Set<number>();
  for (const entry of schedule.entries) {
    times.add(entry.validFromMs);
    times.add(entry.validToMs);
  }
  const clockTimes = new Set<string>(['00:00']);
  for (const entry of schedule.entries) {
    if (entry.from) clockTimes.add(entry.from);
    if (entry.to) clockTimes.add(entry.to);
  }
  if (schedule.hours) {
    clockTimes.add(schedule.hours.on);
    clockTimes.add(schedule.hours.off);
  }
  for (const step of schedule.brightness ?? []) clockTimes.add(step.at);
  const today = startOfVietnamDayMs(nowMs);
  for (let day = -HORIZON_DAYS; day <= HORIZON_DAYS; day += 1) {
    for (const clock of clockTimes) times.add(today + day * DAY_MS + parseHourMinute(clock) * MINUTE_MS);
  }
  const low = nowMs - HORIZON_DAYS * DAY_MS;
  const high = nowMs + HORIZON_DAYS * DAY_MS;
  return [...times].filter((t) => t >= low && t <= high).sort((a, b) => a - b);
}

function startOfVietnamDayMs(epochMs: number): number {
  const wall = toVietnamWallTime(epochMs);
  return epochMs - ((wall.hour * 60 + wall.minute) * 60 + wall.second) * 1000 - (epochMs % 1000 + 1000) % 1000;
}

export function resolveActive(schedule: Schedule, nowMs: number): ActiveState {
  const now = playlistAt(schedule, nowMs);
  const nowKey = playlistKey(now);
  const nowBrightness = brightnessAt(schedule, nowMs);
  const boundaries = candidateBoundaries(schedule, nowMs);

  // When nothing changed within the horizon the playlist has been stable for days: anchor its
  // cycle at the epoch, so the phase still advances with time (an anchor that moved with
  // `nowMs` would freeze the screen on one page).
  let sinceMs = 0;
  for (let i = boundaries.length - 1; i >= 0; i -= 1) {
    const t = boundaries[i]!;
    if (t > nowMs) continue;
    if (playlistKey(playlistAt(schedule, t - 1)) !== nowKey) {
      sinceMs = t;
      break;
    }
  }

  let nextChangeMs = nowMs + HORIZON_DAYS * DAY_MS;
  for (const t of boundaries) {
    if (t <= nowMs) continue;
    if (playlistKey(playlistAt(schedule, t)) !== nowKey || brightnessAt(schedule, t) !== nowBrightness) {
      nextChangeMs = t;
      break;
    }
  }

  return { mode: now.mode, playlist: now.playlist, sinceMs, nextChangeMs, brightnessPercent: now.mode === 'off' ? 0 : nowBrightness };
}

export interface PagePosition {
  readonly item: PlaylistItem;
  readonly index: number;
  readonly startedAtMs: number;
  readonly endsAtMs: number;
  /** The page shown before this one (for transitions); undefined for a single-page playlist. */
  readonly previous?: PlaylistItem;
}

/** Which page of the active playlist is on screen at `atMs`; the playlist loops from sinceMs. */
export function pageAt(state: ActiveState, atMs: number): PagePosition | undefined {
  const playlist = state.playlist;
  if (playlist.length === 0) return undefined;
  const cycleMs = playlist.reduce((sum, item) => sum + item.durationMs, 0);
  const elapsed = Math.max(0, atMs - state.sinceMs);
  const cycleStart = atMs - (elapsed % cycleMs);
  let offset = elapsed % cycleMs;
  for (let index = 0; index < playlist.length; index += 1) {
    const item = playlist[index]!;
    if (offset < item.durationMs) {
      const startedAtMs = atMs - offset;
      const previous = playlist.length > 1 ? playlist[(index - 1 + playlist.length) % playlist.length] : undefined;
      return { item, index, startedAtMs, endsAtMs: startedAtMs + item.durationMs, ...(previous ? { previous } : {}) };
    }
    offset -= item.durationMs;
  }
  return { item: playlist[0]!, index: 0, startedAtMs: cycleStart, endsAtMs: cycleStart + playlist[0]!.durationMs };
}
