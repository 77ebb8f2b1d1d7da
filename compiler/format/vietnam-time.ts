// Vietnam wall time (Asia/Ho_Chi_Minh: UTC+07:00, no daylight saving since 1975), computed the
// same way on every machine. Schedules and on-screen clocks must not depend on the OS time zone
// of the compiler, hub or player, so this module never uses Date's local-time getters: it shifts
// the instant by +7h and reads it with the UTC getters.

/** Vietnam's offset from UTC, in milliseconds. */
export const VIETNAM_OFFSET_MS = 7 * 3_600_000;

const DAY_MS = 86_400_000;

/** Weekday codes as written in the project's YAML (index = Date weekday, 0 = Sunday). */
export const WEEKDAY_CODES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type WeekdayCode = (typeof WEEKDAY_CODES)[number];

/** A moment as read on a clock in Vietnam. */
export interface WallTime {
  year: number;
  /** 1–12. */
  month: number;
  /** 1–31. */
  day: number;
  /** 0–23. */
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday, as WEEKDAY_CODES. */
  weekday: number;
}

export interface WallTimeInput {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
}

function assertFiniteInstant(epochMs: number): void {
  if (!Number.isFinite(epochMs)) throw new RangeError(`Not a valid instant: ${epochMs}`);
}

/** Reads an instant (ms since the Unix epoch) on a Vietnamese wall clock. */
export function toVietnamWallTime(epochMs: number): WallTime {
  assertFiniteInstant(epochMs);
  const shifted = new Date(epochMs + VIETNAM_OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    weekday: shifted.getUTCDay(),
  };
}

/**
 * The instant (ms since the Unix epoch) at which Vietnamese clocks show `w`. Out-of-range fields
 * carry over like Date.UTC (day 32 of January is 1 February), which keeps "next day" arithmetic
 * simple for callers; Vietnam has no DST, so every wall time maps to exactly one instant.
 */
export function fromVietnamWallTime(w: WallTimeInput): number {
  const fields = [w.year, w.month, w.day, w.hour ?? 0, w.minute ?? 0, w.second ?? 0];
  if (!fields.every(Number.isFinite)) {
    throw new RangeError(`Not a valid wall time: ${JSON.stringify(w)}`);
  }
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not turn years 0–99 into 1900–1999.
  date.setUTCFullYear(w.year, w.month - 1, w.day);
  date.setUTCHours(w.hour ?? 0, w.minute ?? 0, w.second ?? 0, 0);
  return date.getTime() - VIETNAM_OFFSET_MS;
}

/**
 * Minutes since midnight for a schedule time written "HH:MM" (two digits each, 24-hour clock).
 * "24:00" is accepted and means the end of the day (1440), so a window can be "18:00"–"24:00".
 */
export function parseHourMinute(value: string): number {
  const match = typeof value === 'string' ? /^(\d{2}):(\d{2})$/.exec(value) : null;
  const hours = match === null ? NaN : Number(match[1]);
  const minutes = match === null ? NaN : Number(match[2]);
  const valid = (hours <= 23 && minutes <= 59) || (hours === 24 && minutes === 0);
  if (!valid) {
    throw new RangeError(
      `Invalid time ${JSON.stringify(value)}: expected "HH:MM" on a 24-hour clock from "00:00" to "24:00", e.g. "07:30"`,
    );
  }
  return hours * 60 + minutes;
}

/** The instant of the Vietnamese midnight that starts the Vietnam calendar day containing `epochMs`. */
export function startOfVietnamDay(epochMs: number): number {
  assertFiniteInstant(epochMs);
  return Math.floor((epochMs + VIETNAM_OFFSET_MS) / DAY_MS) * DAY_MS - VIETNAM_OFFSET_MS;
}

/** The WEEKDAY_CODES entry of the Vietnam calendar day containing `epochMs`. */
export function vietnamWeekdayCode(epochMs: number): WeekdayCode {
  return WEEKDAY_CODES[toVietnamWallTime(epochMs).weekday] as WeekdayCode;
}
