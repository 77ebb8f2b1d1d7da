import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageAt, resolveActive, inDailyWindow } from './resolve-active.ts';
import type { Schedule, ScheduleEntry } from './schedule.ts';

// Schedules are evaluated in Vietnam wall time whatever the machine's zone; these instants are
// written with +07:00 and the machine (and CI) runs in UTC. A separate test re-runs the key
// cases in a child process with TZ set far from Vietnam.

const at = (iso: string) => Date.parse(iso);
const HASH = 'a'.repeat(64);

function entry(overrides: Partial<ScheduleEntry> & { noticeId: string }): ScheduleEntry {
  return {
    priority: 'normal',
    pages: [{ pageId: `${overrides.noticeId}-1`, durationMs: 10_000 }],
    riskLevel: 0,
    validFromMs: at('2026-11-01T00:00:00+07:00'),
    validToMs: at('2026-12-31T00:00:00+07:00'),
    ...overrides,
  };
}

function schedule(entries: ScheduleEntry[], extra: Partial<Schedule> = {}): Schedule {
  return {
    schemaVersion: 1,
    screen: 'ubnd-sanh',
    bundleId: HASH,
    issuedAt: '2026-11-20T00:00:00.000Z',
    timezone: 'Asia/Ho_Chi_Minh',
    idle: { pageId: 'idle', durationMs: 60_000 },
    entries,
    ...extra,
  };
}

test('validity is half-open: on at valid.from, off at valid.to', () => {
  const s = schedule([entry({ noticeId: 'a', validFromMs: at('2026-11-22T08:00:00+07:00'), validToMs: at('2026-11-22T09:00:00+07:00') })]);
  assert.equal(resolveActive(s, at('2026-11-22T07:59:59.999+07:00')).mode, 'idle');
  assert.equal(resolveActive(s, at('2026-11-22T08:00:00+07:00')).mode, 'content');
  assert.equal(resolveActive(s, at('2026-11-22T08:59:59.999+07:00')).mode, 'content');
  assert.equal(resolveActive(s, at('2026-11-22T09:00:00+07:00')).mode, 'idle');
  assert.equal(resolveActive(s, at('2026-11-22T07:00:00+07:00')).nextChangeMs, at('2026-11-22T08:00:00+07:00'));
  assert.equal(resolveActive(s, at('2026-11-22T08:30:00+07:00')).nextChangeMs, at('2026-11-22T09:00:00+07:00'));
  assert.equal(resolveActive(s, at('2026-11-22T08:30:00+07:00')).sinceMs, at('2026-11-22T08:00:00+07:00'));
});

test('weekday and hour windows use Vietnam wall time, not UTC', () => {
  // Lịch tiếp công dân: Monday and Thursday 07:00–17:00 Vietnam time.
  const s = schedule([entry({ noticeId: 'tiep-cong-dan', days: ['mon', 'thu'], from: '07:00', to: '17:00' })]);
  // Monday 23 Nov 2026 07:00 in Vietnam is Monday 00:00 UTC; 06:59 Vietnam is still Sunday in UTC.
  assert.equal(resolveActive(s, at('2026-11-23T06:59:00+07:00')).mode, 'idle');
  assert.equal(resolveActive(s, at('2026-11-23T07:00:00+07:00')).mode, 'content');
  assert.equal(resolveActive(s, at('2026-11-23T16:59:59+07:00')).mode, 'content');
  assert.equal(resolveActive(s, at('2026-11-23T17:00:00+07:00')).mode, 'idle');
  // Tuesday: not shown; the next change is Thursday 07:00.
  const tuesday = resolveActive(s, at('2026-11-24T10:00:00+07:00'));
  assert.equal(tuesday.mode, 'idle');
  assert.equal(tuesday.nextChangeMs, at('2026-11-26T07:00:00+07:00'));
});

test('a window across midnight belongs to the weekday it starts on', () => {
  const window = { days: ['fri'], from: '22:00', to: '02:00' };
  assert.equal(inDailyWindow(window, at('2026-11-27T21:59:00+07:00')), false); // Friday
  assert.equal(inDailyWindow(window, at('2026-11-27T22:00:00+07:00')), true);
  assert.equal(inDailyWindow(window, at('2026-11-28T01:59:00+07:00')), true); // Saturday early
  assert.equal(inDailyWindow(window, at('2026-11-28T02:00:00+07:00')), false);
  assert.equal(inDailyWindow(window, at('2026-11-29T01:00:00+07:00')), false); // Sunday early: Saturday's window, not allowed
});

test('operating hours blank the screen, across midnight and by weekday', () => {
  const s = schedule([entry({ noticeId: 'a' })], { hours: { on: '06:00', off: '22:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] } });
  assert.equal(resolveActive(s, at('2026-11-23T05:59:00+07:00')).mode, 'off');
  assert.equal(resolveActive(s, at('2026-11-23T06:00:00+07:00')).mode, 'content');
  assert.equal(resolveActive(s, at('2026-11-23T22:00:00+07:00')).mode, 'off');
  assert.equal(resolveActive(s, at('2026-11-22T12:00:00+07:00')).mode, 'off'); // Sunday
  const night = resolveActive(s, at('2026-11-23T23:00:00+07:00'));
  assert.equal(night.brightnessPercent, 0);
  assert.equal(night.nextChangeMs, at('2026-11-24T06:00:00+07:00'));
});

test('emergency pre-empts everything, operating hours included; priority plays before normal', () => {
  const s = schedule(
    [
      entry({ noticeId: 'normal-a' }),
      entry({ noticeId: 'uu-tien', priority: 'priority' }),
      entry({ noticeId: 'lu-quet', priority: 'emergency', riskLevel: 3, validFromMs: at('2026-11-22T05:00:00+07:00'), validToMs: at('2026-11-24T18:00:00+07:00') }),
      entry({ noticeId: 'bao', priority: 'emergency', riskLevel: 4, validFromMs: at('2026-11-23T00:00:00+07:00'), validToMs: at('2026-11-24T00:00:00+07:00') }),
    ],
    { hours: { on: '06:00', off: '22:00' } },
  );
  const before = resolveActive(s, at('2026-11-21T10:00:00+07:00'));
  assert.equal(before.mode, 'content');
  assert.deepEqual(before.playlist.map((p) => p.noticeId), ['uu-tien', 'normal-a']);
  const night = resolveActive(s, at('2026-11-22T23:30:00+07:00'));
  assert.equal(night.mode, 'emergency');
  assert.deepEqual(night.playlist.map((p) => p.noticeId), ['lu-quet']);
  // Higher risk level first when two emergencies overlap.
  assert.deepEqual(resolveActive(s, at('2026-11-23T10:00:00+07:00')).playlist.map((p) => p.noticeId), ['bao', 'lu-quet']);
  assert.equal(resolveActive(s, at('2026-11-22T04:00:00+07:00')).nextChangeMs, at('2026-11-22T05:00:00+07:00'));
});

test('brightness follows the step schedule and wraps past midnight', () => {
  const s = schedule([entry({ noticeId: 'a' })], {
    brightness: [
      { at: '05:30', percent: 60 },
      { at: '07:00', percent: 100 },
      { at: '18:30', percent: 45 },
    ],
  });
  assert.equal(resolveActive(s, at('2026-11-23T03:00:00+07:00')).brightnessPercent, 45);
  assert.equal(resolveActive(s, at('2026-11-23T05:30:00+07:00')).brightnessPercent, 60);
  assert.equal(resolveActive(s, at('2026-11-23T12:00:00+07:00')).brightnessPercent, 100);
  assert.equal(resolveActive(s, at('2026-11-23T12:00:00+07:00')).nextChangeMs, at('2026-11-23T18:30:00+07:00'));
});

test('pageAt cycles the playlist from sinceMs and names the previous page', () => {
  const s = schedule([
    entry({ noticeId: 'a', pages: [{ pageId: 'a-1', durationMs: 10_000 }, { pageId: 'a-2', durationMs: 5_000 }], validFromMs: at('2026-11-22T08:00:00+07:00') }),
  ]);
  const state = resolveActive(s, at('2026-11-22T08:00:20+07:00'));
  const start = at('2026-11-22T08:00:00+07:00');
  assert.equal(state.sinceMs, start);
  assert.equal(pageAt(state, start)?.item.pageId, 'a-1');
  assert.equal(pageAt(state, start + 9_999)?.item.pageId, 'a-1');
  const second = pageAt(state, start + 10_000);
  assert.equal(second?.item.pageId, 'a-2');
  assert.equal(second?.startedAtMs, start + 10_000);
  assert.equal(second?.previous?.pageId, 'a-1');
  assert.equal(pageAt(state, start + 15_000)?.item.pageId, 'a-1');
  assert.equal(pageAt(state, start + 15_000)?.startedAtMs, start + 15_000);
});

test('a playlist stable for longer than the horizon still cycles through its pages', () => {
  const s = schedule([
    entry({ noticeId: 'a', pages: [{ pageId: 'a-1', durationMs: 10_000 }, { pageId: 'a-2', durationMs: 10_000 }], validFromMs: at('2026-01-01T00:00:00+07:00'), validToMs: at('2027-01-01T00:00:00+07:00') }),
  ]);
  const seen = new Set<string>();
  for (let t = at('2026-11-22T08:00:00+07:00'); t < at('2026-11-22T08:01:00+07:00'); t += 5_000) {
    seen.add(pageAt(resolveActive(s, t), t)!.item.pageId);
  }
  assert.deepEqual([...seen].sort(), ['a-1', 'a-2']);
});
