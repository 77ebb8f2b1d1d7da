import { z } from 'zod';
import { hourMinuteSchema, idSchema, weekdaySchema } from './notice-schema.ts';

// The site description: one commune (or any unit of the administrative tree) and its screens.
// `parent` may be one id or the whole path from the root, because the tree has no fixed depth
// (districts were abolished in 2025; provinces and communes remain, and may change again).

export const LAYOUT_NAMES = ['bang-tin-ngang', 'bang-tin-doc', 'led-gon', 'led-chay-chu'] as const;
export type LayoutName = (typeof LAYOUT_NAMES)[number];

const pixels = (what: string) =>
  z
    .number({ message: `${what} must be a number of pixels` })
    .int(`${what} must be a whole number of pixels`)
    .min(1, `${what} must be at least 1 pixel`)
    .max(16384, `${what} must be at most 16384 pixels`);

export const screenSchema = z.strictObject({
  id: idSchema,
  kind: z.enum(['lcd', 'led'], { message: 'must be "lcd" or "led"' }),
  size: z.strictObject({ width: pixels('width'), height: pixels('height') }),
  pitchMm: z.number().positive('must be the LED pixel pitch in millimetres, e.g. 5').max(40).optional(),
  capture: z
    .strictObject({ x: z.number().int().min(0), y: z.number().int().min(0) })
    .optional(),
  layout: z.enum(LAYOUT_NAMES, { message: `must be one of ${LAYOUT_NAMES.join(', ')}` }),
  hours: z
    .strictObject({ on: hourMinuteSchema, off: hourMinuteSchema, days: z.array(weekdaySchema).min(1).optional() })
    .optional(),
  brightness: z
    .array(z.strictObject({ at: hourMinuteSchema, percent: z.number().int().min(0).max(100) }))
    .min(1)
    .optional(),
});

export const siteSchema = z
  .strictObject({
    site: idSchema,
    name: z.string().min(1),
    parent: z.union([idSchema, z.array(idSchema).min(1)]).optional(),
    timezone: z.literal('Asia/Ho_Chi_Minh', {
      message: 'must be "Asia/Ho_Chi_Minh": schedules are evaluated in Vietnam time',
    }),
    location: z.strictObject({
      lat: z.number().min(-90).max(90),
      lon: z.number().min(-180).max(180),
      geocode: z.string().optional(),
    }),
    feedbackUrl: z.url({ message: 'must be an http(s) address for the QR code, e.g. "https://…"' }).optional(),
    /**
     * "signed": this site's notices need an approval signed by a registered approver; a
     * compile without the approver registry (--approvers) fails instead of taking approvals on
     * trust. Default "recorded": the approval block is taken on trust, with a warning.
     */
    approvals: z.enum(['recorded', 'signed'], { message: 'must be "signed" (approvals must be signed; compile with --approvers) or "recorded"' }).optional(),
    screens: z.array(screenSchema).min(1, 'must list at least one screen'),
  })
  .describe('A site (commune or ward) and its screens.');

export type Site = z.infer<typeof siteSchema>;
export type Screen = z.infer<typeof screenSchema>;
