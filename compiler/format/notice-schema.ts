import { z } from 'zod';

// The front matter of one notice file (Markdown + YAML). Unknown fields are refused so that a
// misspelt field ("approvel:") is an error the officer sees, not a notice that silently skips
// its approval check.

export const NOTICE_PRIORITIES = ['normal', 'priority', 'emergency'] as const;
export type NoticePriority = (typeof NOTICE_PRIORITIES)[number];

const idPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const idSchema = z
  .string()
  .regex(idPattern, 'must be lower-case letters, digits and single hyphens, e.g. "tiep-cong-dan"');

/** ISO 8601 instant with an explicit offset: notices are written in Vietnam time, "+07:00". */
export const instantSchema = z.iso.datetime({
  offset: true,
  message: 'must be a date-time with an offset, e.g. "2026-11-22T07:00:00+07:00"',
});

export const hourMinuteSchema = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a 24-hour time "HH:MM", e.g. "07:30"');

export const weekdaySchema = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], {
  message: 'must be one of mon, tue, wed, thu, fri, sat, sun',
});

export const recurringScheduleSchema = z.strictObject({
  days: z.array(weekdaySchema).min(1).optional(),
  from: hourMinuteSchema.optional(),
  to: hourMinuteSchema.optional(),
});

/**
 * `ed25519:<key id>:<base64 signature>`, written by `signage approve`: the approver's Ed25519
 * signature over the notice's approval content (compiler/trust/approval-signature.ts). The key
 * id (16 hex digits) lets the compiler tell "signed with another key" from "edited after
 * approval".
 */
export const approvalSignatureSchema = z
  .string()
  .regex(/^ed25519:[0-9a-f]{16}:[A-Za-z0-9+/]{86}==$/, 'must be the "ed25519:…" text written by "signage approve"; run signage approve FILE --as ID --key FILE again');

export const approvalSchema = z.strictObject({
  by: z.string().min(1, 'must name the person who approved the notice'),
  role: z.string().min(1, 'must give the approver\'s position, e.g. "Chủ tịch UBND xã"'),
  at: instantSchema,
  /** The approver's id in the station's approver registry (signage approver add). */
  approver: idSchema.optional(),
  signature: approvalSignatureSchema.optional(),
});

export const noticeFrontMatterSchema = z
  .strictObject({
    id: idSchema,
    title: z.string().min(1, 'must not be empty'),
    category: idSchema,
    priority: z.enum(NOTICE_PRIORITIES, { message: 'must be one of normal, priority, emergency' }),
    riskLevel: z
      .number()
      .int()
      .min(1, 'must be a whole number from 1 to 5 (Quyết định 18/2021/QĐ-TTg)')
      .max(5, 'must be a whole number from 1 to 5 (Quyết định 18/2021/QĐ-TTg)')
      .optional(),
    valid: z.strictObject({ from: instantSchema, to: instantSchema }),
    schedule: recurringScheduleSchema.optional(),
    targets: z.array(idSchema).min(1, 'must name at least one site, screen or administrative unit'),
    images: z.array(z.string().min(1)).max(4, 'at most 4 images per notice').optional(),
    approval: approvalSchema.optional(),
  })
  .describe('Front matter of one bulletin-board notice (Markdown file with YAML front matter).');

export type NoticeFrontMatter = z.infer<typeof noticeFrontMatterSchema>;
export type RecurringSchedule = z.infer<typeof recurringScheduleSchema>;
export type Approval = z.infer<typeof approvalSchema>;
