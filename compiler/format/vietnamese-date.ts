// On-screen date and time strings in Vietnamese, in Vietnam time whatever the machine's zone.
// Built from our own tables, never Intl: Intl's vi-VN output has changed between CLDR versions
// ("Thứ hai" vs "Thứ Hai"), and a board must print the same thing on every device and year.
// Every string in this file is NFC, as stored and rendered everywhere in the project.

import { canChiYear, solarToLunar } from './lunar-calendar.ts';
import { toVietnamWallTime } from './vietnam-time.ts';

/** Weekday names indexed like WallTime.weekday (0 = Sunday). */
export const VIETNAMESE_WEEKDAY_NAMES = [
  'Chủ Nhật',
  'Thứ Hai',
  'Thứ Ba',
  'Thứ Tư',
  'Thứ Năm',
  'Thứ Sáu',
  'Thứ Bảy',
] as const;

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}

/** Weekday name of the Vietnam calendar day containing `epochMs`, e.g. "Thứ Hai". */
export function formatWeekday(epochMs: number): string {
  return VIETNAMESE_WEEKDAY_NAMES[toVietnamWallTime(epochMs).weekday] as string;
}

/** "09:30": 24-hour clock, Vietnam time. */
export function formatTime(epochMs: number): string {
  const w = toVietnamWallTime(epochMs);
  return `${pad2(w.hour)}:${pad2(w.minute)}`;
}

/** "09:30:05": 24-hour clock with seconds, Vietnam time. */
export function formatTimeWithSeconds(epochMs: number): string {
  const w = toVietnamWallTime(epochMs);
  return `${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}`;
}

/** "22/11/2026": dd/MM/yyyy, Vietnam calendar day. */
export function formatDateShort(epochMs: number): string {
  const w = toVietnamWallTime(epochMs);
  return `${pad2(w.day)}/${pad2(w.month)}/${w.year}`;
}

/**
 * "Chủ Nhật, ngày 22 tháng 11 năm 2026". Administrative style, as dated on state documents
 * (Nghị định 30/2020/NĐ-CP): days below 10 and months 1–2 are zero-padded ("ngày 05 tháng 02
 * năm 2023"), months 3–12 are not ("ngày 05 tháng 3 năm 2023"). Residents read notices against
 * the paper originals, so the board writes dates the same way.
 */
export function formatDateLong(epochMs: number): string {
  const w = toVietnamWallTime(epochMs);
  const month = w.month <= 2 ? pad2(w.month) : String(w.month);
  return `${VIETNAMESE_WEEKDAY_NAMES[w.weekday] as string}, ngày ${pad2(w.day)} tháng ${month} năm ${w.year}`;
}

/** "09:30 ngày 22/11/2026": when a notice was issued, as printed under its title. */
export function formatIssueTime(epochMs: number): string {
  return `${formatTime(epochMs)} ngày ${formatDateShort(epochMs)}`;
}

/**
 * "Ngày 15 tháng 8 năm Giáp Thìn": the lunar date of the Vietnam calendar day containing
 * `epochMs`. Months are digits ("tháng 1" … "tháng 12", not "tháng Giêng"/"tháng Chạp"), a leap
 * month reads "tháng 4 nhuận", and the day is not zero-padded, as boards show it.
 */
export function formatLunarDateLong(epochMs: number): string {
  const w = toVietnamWallTime(epochMs);
  const lunar = solarToLunar(w.year, w.month, w.day);
  const month = lunar.leap ? `${lunar.month} nhuận` : String(lunar.month);
  return `Ngày ${lunar.day} tháng ${month} năm ${canChiYear(lunar.year)}`;
}

// ---------------------------------------------------------------------------------------------
// Widest outputs, so layouts can reserve room for a clock or date line that changes every
// second or day without reflowing. Be Vietnam Pro, the only font the boards use, has
// proportional digits and no tabular-figure feature ("1" is barely more than half as wide as
// "4"), so the widest output is not "23:59" or "28/12". Each sample is the widest string found by
// measuring, with the shipped font files at weights 400, 600, 700 and 800 (all four agreed),
// every combination of the formatter's fields for years 2020–2099, whether or not it occurs
// on a real day: a bound, not a date to display. Layouts should still keep a small margin, since
// kerning between characters drawn from different subset files is not modelled.

/** Widest formatTime output. */
export const LONGEST_TIME_SAMPLE = '04:44';
/** Widest formatTimeWithSeconds output. */
export const LONGEST_TIME_WITH_SECONDS_SAMPLE = '04:44:44';
/** Widest formatDateShort output. */
export const LONGEST_DATE_SHORT_SAMPLE = '04/04/2044';
/**
 * Widest formatDateLong output: "Chủ Nhật" is the widest weekday name and "04 tháng 02" the
 * widest padded day and month (4 Feb 2044 is really a Thursday; only the width matters here).
 */
export const LONGEST_DATE_LONG_SAMPLE = 'Chủ Nhật, ngày 04 tháng 02 năm 2044';
/** Widest formatIssueTime output. */
export const LONGEST_ISSUE_TIME_SAMPLE = '04:44 ngày 04/04/2044';
/**
 * Widest formatLunarDateLong output: a two-digit leap month and "Nhâm Thân", the widest of the
 * 60 can-chi names. No Nhâm Thân year of 2020–2099 has a leap month 10; the widest date that
 * really occurs, "Ngày 24 tháng 8 nhuận năm Nhâm Thân" (2052), is about 2% narrower.
 */
export const LONGEST_LUNAR_DATE_LONG_SAMPLE = 'Ngày 24 tháng 10 nhuận năm Nhâm Thân';
