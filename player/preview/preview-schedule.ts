import type { Schedule } from '../../compiler/format/schedule.ts';

// The editor's "every notice" view: the same bundle with a schedule in which every notice is
// always on and the screen never sleeps, so one live screen cycles through all its pages.
// Emergencies keep their place first; their takeover pages appear in the cycle like others.

const ALWAYS_FROM = 0;
const ALWAYS_TO = 8_640_000_000_000_000;

export function everyNoticeSchedule(schedule: Schedule): Schedule {
  const { hours: _hours, ...rest } = schedule;
  const entries = [...schedule.entries]
    .sort((a, b) => Number(b.priority === 'emergency') - Number(a.priority === 'emergency'))
    .map(({ days: _days, from: _from, to: _to, ...entry }) => ({ ...entry, priority: 'normal' as const, validFromMs: ALWAYS_FROM, validToMs: ALWAYS_TO }));
  return { ...rest, entries };
}
