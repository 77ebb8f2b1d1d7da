import { z } from 'zod';
import { FONT_WEIGHTS } from './font-faces.ts';

// Scene data: what the renderer draws. Templates produce it at compile time; the renderer
// interprets it generically and knows nothing of particular layouts. All coordinates are
// screen pixels (one bundle pixel = one panel pixel), relative to the canvas's top-left.

export const colorSchema = z.string().regex(/^#[0-9a-f]{6}(?:[0-9a-f]{2})?$/, 'must be "#rrggbb" or "#rrggbbaa"');

export const fillSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('solid'), color: colorSchema }),
  z.strictObject({
    kind: z.literal('linear'),
    from: colorSchema,
    to: colorSchema,
    /** 0 = left to right, 90 = top to bottom. */
    angleDeg: z.number(),
  }),
]);
export type Fill = z.infer<typeof fillSchema>;

const boxFields = {
  id: z.string().min(1),
  x: z.number(),
  y: z.number(),
  w: z.number().positive(),
  h: z.number().positive(),
};

const fontWeightSchema = z.union(FONT_WEIGHTS.map((w) => z.literal(w)) as [z.ZodLiteral<400>, z.ZodLiteral<600>, z.ZodLiteral<700>, z.ZodLiteral<800>]);

export const placedRunSchema = z.strictObject({
  text: z.string(),
  weight: fontWeightSchema,
  /** Left edge relative to the text node's box. */
  x: z.number(),
  /** Width the compiler measured; the renderer compares it with its own measurement. */
  width: z.number().min(0),
});

export const placedLineSchema = z.strictObject({
  top: z.number(),
  baseline: z.number(),
  width: z.number().min(0),
  runs: z.array(placedRunSchema),
});

export const rectNodeSchema = z.strictObject({
  type: z.literal('rect'),
  ...boxFields,
  fill: fillSchema,
  radius: z.number().min(0).optional(),
});

export const textNodeSchema = z.strictObject({
  type: z.literal('text'),
  ...boxFields,
  sizePx: z.number().positive(),
  lineHeightPx: z.number().positive(),
  color: colorSchema,
  lines: z.array(placedLineSchema),
});

export const imageNodeSchema = z.strictObject({
  type: z.literal('image'),
  ...boxFields,
  /** sha256 of the prepared image, already sized to w × h pixels. */
  blob: z.string().regex(/^[0-9a-f]{64}$/),
  mime: z.enum(['image/webp', 'image/png', 'image/jpeg']),
});

export const CLOCK_FORMATS = ['time', 'time-seconds', 'date-short', 'date-long', 'lunar-long'] as const;
export const clockNodeSchema = z.strictObject({
  type: z.literal('clock'),
  ...boxFields,
  format: z.enum(CLOCK_FORMATS),
  sizePx: z.number().positive(),
  weight: fontWeightSchema,
  color: colorSchema,
  align: z.enum(['left', 'center', 'right']),
  /** Baseline relative to the node's top, placed by the compiler like a text line's. */
  baseline: z.number(),
});

export const tickerItemSchema = z.strictObject({
  text: z.string().min(1),
  /** Measured width at the ticker's size and weight. */
  width: z.number().positive(),
  /** Epoch ms, half-open [from, to): the item scrolls only while its notice is valid. */
  fromMs: z.number().int(),
  toMs: z.number().int(),
});

export const tickerNodeSchema = z.strictObject({
  type: z.literal('ticker'),
  ...boxFields,
  sizePx: z.number().positive(),
  weight: fontWeightSchema,
  color: colorSchema,
  baseline: z.number(),
  items: z.array(tickerItemSchema),
  /** Space between items, drawn with the separator centred in it. */
  gapPx: z.number().min(0),
  separator: z.string(),
  /** Whole pixels per frame: scrolling is smooth on LED only at an integer step. */
  pxPerFrame: z.number().int().positive(),
  frameMs: z.number().positive(),
  /**
   * 'clock': the scroll position follows absolute time, so a ticker that spans pages never
   * jumps; 'page': it starts at the right edge when its page starts (a one-line LED sign).
   */
  phase: z.enum(['clock', 'page']),
});

export const qrNodeSchema = z.strictObject({
  type: z.literal('qr'),
  ...boxFields,
  /** Rows of '1' (dark) and '0' (light) modules, quiet zone not included. */
  modules: z.array(z.string().regex(/^[01]+$/)),
  dark: colorSchema,
  light: colorSchema,
});

export const sceneNodeSchema = z.discriminatedUnion('type', [
  rectNodeSchema,
  textNodeSchema,
  imageNodeSchema,
  clockNodeSchema,
  tickerNodeSchema,
  qrNodeSchema,
]);

export type SceneNode = z.infer<typeof sceneNodeSchema>;
export type RectNode = z.infer<typeof rectNodeSchema>;
export type TextNode = z.infer<typeof textNodeSchema>;
export type ImageNode = z.infer<typeof imageNodeSchema>;
export type ClockNode = z.infer<typeof clockNodeSchema>;
export type TickerNode = z.infer<typeof tickerNodeSchema>;
export type TickerItem = z.infer<typeof tickerItemSchema>;
export type QrNode = z.infer<typeof qrNodeSchema>;
export type PlacedLine = z.infer<typeof placedLineSchema>;

export const transitionSchema = z.strictObject({
  kind: z.enum(['cut', 'fade', 'slide']),
  durationMs: z.number().int().min(0),
});
export type Transition = z.infer<typeof transitionSchema>;

export const pageSchema = z.strictObject({
  id: z.string().min(1),
  noticeId: z.string().min(1),
  /** Page n of count, for the "1/3" marker and for proof of play. */
  index: z.number().int().min(0),
  count: z.number().int().min(1),
  durationMs: z.number().int().positive(),
  transition: transitionSchema,
  /** False for full-screen pages (emergency takeover): the layout's frame is not drawn. */
  showChrome: z.boolean(),
  nodes: z.array(sceneNodeSchema),
});
export type Page = z.infer<typeof pageSchema>;
