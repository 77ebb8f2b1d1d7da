import { z } from 'zod';
import { hourMinuteSchema, idSchema, NOTICE_PRIORITIES, weekdaySchema } from './notice-schema.ts';
import { sha256Schema } from './bundle-manifest.ts';

// The schedule is kept apart from the bundle: the bundle says *what* (timeless, content-
// addressed), the schedule says *when*. It is small, signed on its own, and evaluated by the
// pure resolveActive() in Vietnam wall time.

export const SCHEDULE_SCHEMA_VERSION = 1;

export const scheduleEntrySchema = z.strictObject({
  noticeId: idSchema,
  priority: z.enum(NOTICE_PRIORITIES),
  pages: z.array(z.strictObject({ pageId: z.string(), durationMs: z.number().int().positive() })).min(1),
  /** Higher risk first among emergencies; 0 for ordinary notices. */
  riskLevel: z.number().int().min(0).max(5),
  /** Half-open [validFromMs, validToMs). */
  validFromMs: z.number().int(),
  validToMs: z.number().int(),
  days: z.array(weekdaySchema).optional(),
  from: hourMinuteSchema.optional(),
  to: hourMinuteSchema.optional(),
});
export type ScheduleEntry = z.infer<typeof scheduleEntrySchema>;

export const scheduleSchema = z.strictObject({
  schemaVersion: z.number().int().positive(),
  screen: idSchema,
  bundleId: sha256Schema,
  issuedAt: z.iso.datetime({ offset: true }),
  timezone: z.literal('Asia/Ho_Chi_Minh'),
  /** Operating hours: outside them the screen is blank (emergencies still wake it). */
  hours: z
    .strictObject({ on: hourMinuteSchema, off: hourMinuteSchema, days: z.array(weekdaySchema).optional() })
    .optional(),
  brightness: z.array(z.strictObject({ at: hourMinuteSchema, percent: z.number().int().min(0).max(100) })).optional(),
  idle: z.strictObject({ pageId: z.string(), durationMs: z.number().int().positive() }).optional(),
  entries: z.array(scheduleEntrySchema),
});
export type Schedule = z.infer<typeof scheduleSchema>;
