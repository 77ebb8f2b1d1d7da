import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  VIETNAM_OFFSET_MS,
  WEEKDAY_CODES,
  fromVietnamWallTime,
  parseHourMinute,
  startOfVietnamDay,
  toVietnamWallTime,
  vietnamWeekdayCode,
} from './vietnam-time.ts';

test('the offset is seven hours', () => {
  assert.equal(VIETNAM_OFFSET_MS, 25_200_000);
});

test('toVietnamWallTime shifts UTC by +7h, crossing the date line at 17:00 UTC', () => {
  // 17:30 UTC on Sunday 22 Nov 2026 is already 00:30 on Monday 23 Nov in Vietnam.
  assert.deepEqual(toVietnamWallTime(Date.parse('2026-11-22T17:30:00Z')), {
    year: 2026,
    month: 11,
    day: 23,
    hour: 0,
    minute: 30,
    second: 0,
    weekday: 1,
  });
  assert.deepEqual(toVietnamWallTime(Date.parse('2026-11-22T16:59:59Z')), {
    year: 2026,
    month: 11,
    day: 22,
    hour: 23,
    minute: 59,
    second: 59,
    weekday: 0,
  });
  // New Year's Eve: 31 Dec 2025 17:00 UTC is midnight, 1 Jan 2026 (a Thursday) in Vietnam.
  assert.deepEqual(toVietnamWallTime(Date.parse('2025-12-31T17:00:00Z')), {
    year: 2026,
    month: 1,
    day: 1,
    hour: 0,
    minute: 0,
    second: 0,
    weekday: 4,
  });
  // Before the Unix epoch (negative epoch ms): Tết Mậu Thân, 29 Jan 1968, a Monday.
  assert.deepEqual(toVietnamWallTime(Date.parse('1968-01-28T17:00:00Z')), {
    year: 1968,
    month: 1,
    day: 29,
    hour: 0,
    minute: 0,
    second: 0,
    weekday: 1,
  });
  assert.throws(() => toVietnamWallTime(Number.NaN), RangeError);
});

test('fromVietnamWallTime is the inverse of toVietnamWallTime', () => {
  assert.equal(
    fromVietnamWallTime({ year: 2026, month: 11, day: 23, hour: 0, minute: 30 }),
    Date.parse('2026-11-22T17:30:00Z'),
  );
  // Hour, minute and second default to 0 (midnight in Vietnam).
  assert.equal(fromVietnamWallTime({ year: 2026, month: 2, day: 17 }), Date.parse('2026-02-16T17:00:00Z'));
  for (let t = Date.parse('2024-02-28T00:00:00Z'); t < Date.parse('2024-03-02T00:00:00Z'); t += 3_599_000) {
    const instant = Math.floor(t / 1000) * 1000; // wall time has whole seconds
    assert.equal(fromVietnamWallTime(toVietnamWallTime(instant)), instant);
  }
});

test('fromVietnamWallTime carries out-of-range fields over like Date.UTC, without the 19xx quirk', () => {
  assert.equal(
    fromVietnamWallTime({ year: 2026, month: 1, day: 32 }),
    fromVietnamWallTime({ year: 2026, month: 2, day: 1 }),
  );
  assert.equal(
    fromVietnamWallTime({ year: 2026, month: 12, day: 31, hour: 24 }),
    fromVietnamWallTime({ year: 2027, month: 1, day: 1 }),
  );
  assert.equal(toVietnamWallTime(fromVietnamWallTime({ year: 99, month: 6, day: 1 })).year, 99);
  assert.throws(() => fromVietnamWallTime({ year: 2026, month: Number.NaN, day: 1 }), RangeError);
});

test('parseHourMinute accepts HH:MM from 00:00 to 24:00', () => {
  assert.equal(parseHourMinute('00:00'), 0);
  assert.equal(parseHourMinute('07:30'), 450);
  assert.equal(parseHourMinute('12:05'), 725);
  assert.equal(parseHourMinute('23:59'), 1439);
  assert.equal(parseHourMinute('24:00'), 1440);
});

test('parseHourMinute rejects anything else with a RangeError naming the value', () => {
  for (const bad of ['24:01', '25:00', '12:60', '7:30', '07:3', '0730', '07.30', ' 07:30', '07:30 ', '07:30:00', '', 'ab:cd', '-1:00', '１２:００']) {
    assert.throws(
      () => parseHourMinute(bad),
      (error: unknown) => error instanceof RangeError && error.message.includes(JSON.stringify(bad)) && error.message.includes('HH:MM'),
      bad,
    );
  }
  assert.throws(() => parseHourMinute(730 as unknown as string), RangeError);
});

test('startOfVietnamDay returns the Vietnamese midnight, i.e. 17:00 UTC the day before', () => {
  assert.equal(startOfVietnamDay(Date.parse('2026-11-22T17:30:00Z')), Date.parse('2026-11-22T17:00:00Z'));
  assert.equal(startOfVietnamDay(Date.parse('2026-11-22T17:00:00Z')), Date.parse('2026-11-22T17:00:00Z'));
  assert.equal(startOfVietnamDay(Date.parse('2026-11-22T16:59:59.999Z')), Date.parse('2026-11-21T17:00:00Z'));
  assert.equal(startOfVietnamDay(Date.parse('2026-11-22T03:00:00Z')), Date.parse('2026-11-21T17:00:00Z'));
  // Negative epoch values round down too, not towards zero.
  assert.equal(startOfVietnamDay(Date.parse('1968-01-29T05:00:00Z')), Date.parse('1968-01-28T17:00:00Z'));
});

test('weekday codes follow the Vietnam calendar day', () => {
  assert.deepEqual([...WEEKDAY_CODES], ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']);
  assert.equal(vietnamWeekdayCode(Date.parse('2026-11-22T16:59:59Z')), 'sun');
  assert.equal(vietnamWeekdayCode(Date.parse('2026-11-22T17:00:00Z')), 'mon');
  assert.equal(vietnamWeekdayCode(Date.parse('2026-11-28T12:00:00Z')), 'sat');
});
