import cron from 'node-cron';
import type { Schedule } from '../../compiler/format/schedule.ts';
import type { Logger } from '../../compiler/format/logger.ts';

// Wall-clock wake-ups in Vietnam time: operating-hours edges (the screen goes blank or lights
// up), LED brightness steps, daily time windows of notices, and daily maintenance at 03:00.
// Cron only wakes the runtime; what to show is decided by resolveActive(schedule, now) in the
// playback driver, which also sets its own timer at each `nextChangeMs`. The two overlap on
// purpose: the driver's timer follows the injected clock, cron follows the OS wall clock and
// catches a change even after the machine slept or its clock was set.

export const VIETNAM_TIME_ZONE = 'Asia/Ho_Chi_Minh';
/** Daily maintenance (pruning, VACUUM) at 03:00 Vietnam time, when boards are dark or idle. */
export const MAINTENANCE_CRON = '0 3 * * *';

export interface CronTask {
  stop(): void;
}

/** node-cron's schedule(), narrowed to what the player uses; injected so tests can fire jobs. */
export type CronScheduler = (expression: string, task: () => void, options: { timezone: string; name: string }) => CronTask;

export function nodeCronScheduler(logger: Logger): CronScheduler {
  const cronLogger = {
    info: (message: string) => logger.info(`cron: ${message}`),
    warn: (message: string) => logger.warn(`cron: ${message}`),
    error: (message: string | Error) => logger.error(`cron: ${String(message)}`),
    debug: () => {},
  };
  return (expression, task, options) => {
    const scheduled = cron.schedule(expression, () => task(), { timezone: options.timezone, name: options.name, noOverlap: true, logger: cronLogger });
    return { stop: () => void scheduled.destroy() };
  };
}

function cronAt(hourMinute: string): string {
  const [hour, minute] = hourMinute.split(':').map(Number);
  return `${minute} ${hour} * * *`;
}

/** Every daily wall-clock instant at which the schedule's answer can change, as cron expressions. */
export function wakeExpressions(schedule: Schedule | undefined): string[] {
  if (!schedule) return [];
  const times = new Set<string>();
  if (schedule.hours) {
    times.add(schedule.hours.on);
    times.add(schedule.hours.off);
  }
  for (const step of schedule.brightness ?? []) times.add(step.at);
  for (const entry of schedule.entries) {
    if (entry.from) times.add(entry.from);
    if (entry.to) times.add(entry.to);
  }
  return [...times].sort().map(cronAt);
}

export interface PlayerSchedulerOptions {
  readonly cron: CronScheduler;
  readonly logger: Logger;
  readonly onWake: (reason: string) => void;
  readonly onMaintenance: () => void;
}

export class PlayerScheduler {
  /** Armed wake-ups by cron expression. */
  private readonly wakeTasks = new Map<string, CronTask>();
  private readonly maintenanceTask: CronTask;

  constructor(private readonly options: PlayerSchedulerOptions) {
    this.maintenanceTask = options.cron(MAINTENANCE_CRON, () => this.guard('maintenance', options.onMaintenance), { timezone: VIETNAM_TIME_ZONE, name: 'player-maintenance' });
  }

  /**
   * Arms the wake-ups for the schedule now on screen. Only the instants that changed are
   * touched: a new bundle nearly always keeps the hours, brightness steps and time windows of
   * the last one, and arming a node-cron task costs milliseconds of time-zone arithmetic.
   */
  setSchedule(schedule: Schedule | undefined): void {
    const wanted = new Set(wakeExpressions(schedule));
    for (const [expression, task] of this.wakeTasks) {
      if (wanted.has(expression)) continue;
      task.stop();
      this.wakeTasks.delete(expression);
    }
    for (const expression of wanted) {
      if (this.wakeTasks.has(expression)) continue;
      this.wakeTasks.set(expression, this.options.cron(expression, () => this.guard('wake', () => this.options.onWake(expression)), { timezone: VIETNAM_TIME_ZONE, name: `player-wake ${expression}` }));
    }
  }

  stop(): void {
    for (const task of this.wakeTasks.values()) task.stop();
    this.wakeTasks.clear();
    this.maintenanceTask.stop();
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.options.logger.error(`scheduled ${what} failed`, { error: (error as Error).message });
    }
  }
}
