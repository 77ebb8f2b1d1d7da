import type { CapTime } from './cap-alert.ts';

// CAP 1.2 dateTime values: "2026-11-22T09:30:00+07:00". The CAP schema's pattern is stricter
// than XML Schema's dateTime: the offset is mandatory and written as ±hh:mm, UTC is "-00:00"
// and never "Z", and there are no fractional seconds. A time without an offset is refused
// rather than guessed, because guessing the zone of a warning's expiry moves it by hours.
// Pure: Date.UTC only does calendar arithmetic, it does not read the clock.

const CAP_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-])(\d{2}):(\d{2})$/;

export type CapTimeResult = { ok: true; time: CapTime } | { ok: false; reason: string };

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

export function parseCapDateTime(text: string): CapTimeResult {
  const match = CAP_DATE_TIME.exec(text);
  if (!match) {
    const why = /(?:Z|z)$/.test(text)
      ? 'CAP 1.2 forbids "Z"; UTC is written "-00:00"'
      : /T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/.test(text)
        ? 'it has no UTC offset, and CAP 1.2 requires one (e.g. +07:00)'
        : 'CAP 1.2 writes times as YYYY-MM-DDThh:mm:ss±hh:mm, e.g. 2026-11-22T09:30:00+07:00';
    return { ok: false, reason: `"${text}" is not a CAP date and time: ${why}` };
  }
  const [year, month, day, hour, minute, second, sign, offH, offM] = [
    Number(match[1]),
    Number(match[2]),
    Number(match[3]),
    Number(match[4]),
    Number(match[5]),
    Number(match[6]),
    match[7],
    Number(match[8]),
    Number(match[9]),
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return { ok: false, reason: `"${text}" is not a real date and time` };
  }
  // Real offsets run from -12:00 to +14:00.
  if (offH > 14 || offM > 59 || (offH === 14 && offM > 0)) return { ok: false, reason: `"${text}" has an impossible UTC offset` };
  const offsetMinutes = (sign === '-' ? -1 : 1) * (offH * 60 + offM);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  return { ok: true, time: { text, ms, offsetMinutes } };
}
