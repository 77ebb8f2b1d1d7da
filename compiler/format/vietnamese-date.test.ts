import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LONGEST_DATE_LONG_SAMPLE,
  LONGEST_DATE_SHORT_SAMPLE,
  LONGEST_ISSUE_TIME_SAMPLE,
  LONGEST_LUNAR_DATE_LONG_SAMPLE,
  LONGEST_TIME_SAMPLE,
  LONGEST_TIME_WITH_SECONDS_SAMPLE,
  VIETNAMESE_WEEKDAY_NAMES,
  formatDateLong,
  formatDateShort,
  formatIssueTime,
  formatLunarDateLong,
  formatTime,
  formatTimeWithSeconds,
  formatWeekday,
} from './vietnamese-date.ts';

const at = (iso: string): number => Date.parse(iso);

test('time and short date, 24-hour, Vietnam time', () => {
  const instant = at('2026-11-22T02:30:05Z'); // 09:30:05 in Vietnam
  assert.equal(formatTime(instant), '09:30');
  assert.equal(formatTimeWithSeconds(instant), '09:30:05');
  assert.equal(formatDateShort(instant), '22/11/2026');
  assert.equal(formatIssueTime(instant), '09:30 ngày 22/11/2026');
  assert.equal(formatTime(at('2026-11-22T14:07:00Z')), '21:07');
  assert.equal(formatDateShort(at('2023-02-05T03:00:00Z')), '05/02/2023');
});

test('long date: administrative zero padding of days < 10 and months 1–2 only', () => {
  assert.equal(formatDateLong(at('2026-11-22T02:30:00Z')), 'Chủ Nhật, ngày 22 tháng 11 năm 2026');
  assert.equal(formatDateLong(at('2023-02-05T02:30:00Z')), 'Chủ Nhật, ngày 05 tháng 02 năm 2023');
  assert.equal(formatDateLong(at('2023-03-05T02:30:00Z')), 'Chủ Nhật, ngày 05 tháng 3 năm 2023');
  assert.equal(formatDateLong(at('2026-01-01T02:30:00Z')), 'Thứ Năm, ngày 01 tháng 01 năm 2026');
  assert.equal(formatDateLong(at('2026-01-10T02:30:00Z')), 'Thứ Bảy, ngày 10 tháng 01 năm 2026');
  assert.equal(formatDateLong(at('2026-09-02T02:30:00Z')), 'Thứ Tư, ngày 02 tháng 9 năm 2026');
  assert.equal(formatDateLong(at('2026-12-09T02:30:00Z')), 'Thứ Tư, ngày 09 tháng 12 năm 2026');
});

test('every weekday name', () => {
  const expected = ['Chủ Nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];
  assert.deepEqual([...VIETNAMESE_WEEKDAY_NAMES], expected);
  // 22–28 Nov 2026 runs Sunday to Saturday.
  for (let i = 0; i < 7; i += 1) {
    const instant = at(`2026-11-${22 + i}T05:00:00Z`);
    assert.equal(formatWeekday(instant), expected[i]);
    assert.equal(formatDateLong(instant), `${expected[i]}, ngày ${22 + i} tháng 11 năm 2026`);
  }
});

test('an instant late in the UTC day is already the next day in Vietnam', () => {
  const instant = at('2026-11-22T17:30:00Z'); // 00:30 on Monday 23 Nov in Vietnam
  assert.equal(formatTime(instant), '00:30');
  assert.equal(formatDateShort(instant), '23/11/2026');
  assert.equal(formatDateLong(instant), 'Thứ Hai, ngày 23 tháng 11 năm 2026');
  assert.equal(formatIssueTime(instant), '00:30 ngày 23/11/2026');

  const justBefore = at('2026-11-22T16:59:59Z');
  assert.equal(formatTimeWithSeconds(justBefore), '23:59:59');
  assert.equal(formatDateLong(justBefore), 'Chủ Nhật, ngày 22 tháng 11 năm 2026');
});

test('lunar date of the Vietnam calendar day', () => {
  assert.equal(formatLunarDateLong(at('2024-09-17T03:00:00Z')), 'Ngày 15 tháng 8 năm Giáp Thìn');
  // 17:30 UTC on 16 Sep is 00:30 on 17 Sep in Vietnam: already the 15th.
  assert.equal(formatLunarDateLong(at('2024-09-16T17:30:00Z')), 'Ngày 15 tháng 8 năm Giáp Thìn');
  assert.equal(formatLunarDateLong(at('2024-09-16T16:30:00Z')), 'Ngày 14 tháng 8 năm Giáp Thìn');
  // Leap month: 25 Jul 2025 is the first day of leap month 6 of Ất Tỵ.
  assert.equal(formatLunarDateLong(at('2025-07-25T03:00:00Z')), 'Ngày 1 tháng 6 nhuận năm Ất Tỵ');
  assert.equal(formatLunarDateLong(at('2025-07-24T03:00:00Z')), 'Ngày 30 tháng 6 năm Ất Tỵ');
  // Tết Bính Ngọ starts at midnight Vietnam time, 17:00 UTC the day before.
  assert.equal(formatLunarDateLong(at('2026-02-16T17:00:00Z')), 'Ngày 1 tháng 1 năm Bính Ngọ');
  assert.equal(formatLunarDateLong(at('2026-02-16T16:59:59Z')), 'Ngày 29 tháng 12 năm Ất Tỵ');
  // Months are digits, including 1, 11 and 12 (no "Giêng", "Chạp").
  assert.equal(formatLunarDateLong(at('2026-01-10T03:00:00Z')), 'Ngày 22 tháng 11 năm Ất Tỵ');
});

test('every output is NFC', () => {
  const outputs: string[] = [
    ...VIETNAMESE_WEEKDAY_NAMES,
    LONGEST_TIME_SAMPLE,
    LONGEST_TIME_WITH_SECONDS_SAMPLE,
    LONGEST_DATE_SHORT_SAMPLE,
    LONGEST_DATE_LONG_SAMPLE,
    LONGEST_ISSUE_TIME_SAMPLE,
    LONGEST_LUNAR_DATE_LONG_SAMPLE,
  ];
  // Every day of 2025–2026 covers all weekdays, months, a leap month and two can-chi years.
  for (let t = at('2025-01-01T05:00:00Z'); t < at('2027-01-01T00:00:00Z'); t += 86_400_000) {
    outputs.push(formatTime(t), formatTimeWithSeconds(t), formatDateShort(t), formatDateLong(t));
    outputs.push(formatIssueTime(t), formatLunarDateLong(t), formatWeekday(t));
  }
  for (const text of outputs) {
    assert.equal(text, text.normalize('NFC'), JSON.stringify(text));
    assert.doesNotMatch(text, /\p{M}/u, JSON.stringify(text)); // no combining marks at all
  }
  // A decomposed "Thứ" would be 4+ code points; the NFC one is exactly 3.
  assert.equal([...'Thứ'].length, 3);
  assert.equal([...(VIETNAMESE_WEEKDAY_NAMES[1] as string)].length, 7);
});

test('longest samples have the shape of their formatter output', () => {
  assert.match(LONGEST_TIME_SAMPLE, /^\d{2}:\d{2}$/);
  assert.match(LONGEST_TIME_WITH_SECONDS_SAMPLE, /^\d{2}:\d{2}:\d{2}$/);
  assert.match(LONGEST_DATE_SHORT_SAMPLE, /^\d{2}\/\d{2}\/\d{4}$/);
  assert.match(LONGEST_ISSUE_TIME_SAMPLE, /^\d{2}:\d{2} ngày \d{2}\/\d{2}\/\d{4}$/);
  assert.match(LONGEST_DATE_LONG_SAMPLE, /^Chủ Nhật, ngày \d{2} tháng (0[12]|[3-9]|1[0-2]) năm \d{4}$/);
  assert.match(LONGEST_LUNAR_DATE_LONG_SAMPLE, /^Ngày \d{1,2} tháng \d{1,2} nhuận năm \S+ \S+$/);
  // Samples that are real values are exactly what the formatter prints for them.
  const sample = at('2044-04-03T21:44:44Z'); // 04:44:44 on 04/04/2044 in Vietnam
  assert.equal(formatTime(sample), LONGEST_TIME_SAMPLE);
  assert.equal(formatTimeWithSeconds(sample), LONGEST_TIME_WITH_SECONDS_SAMPLE);
  assert.equal(formatDateShort(sample), LONGEST_DATE_SHORT_SAMPLE);
  assert.equal(formatIssueTime(sample), LONGEST_ISSUE_TIME_SAMPLE);
});
