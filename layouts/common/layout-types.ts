import type { z } from 'zod';
import type { SceneNode, Transition } from '../../compiler/format/scene.ts';
import type { NoticePriority } from '../../compiler/format/notice-schema.ts';
import type { TextBlock } from '../../compiler/plan/markdown-subset.ts';
import type { TextMeasurer } from '../../compiler/plan/text-measure.ts';

// What a layout template receives and returns. Templates are pure functions evaluated at
// compile time; bundles carry the scene data they return, never template code.

export interface LayoutScreen {
  readonly id: string;
  readonly kind: 'lcd' | 'led';
  readonly width: number;
  readonly height: number;
  readonly pitchMm?: number | undefined;
}

export interface LayoutImage {
  readonly index: number;
  /** Upright size of the source picture, to lay out 'contain' boxes at its aspect ratio. */
  readonly width: number;
  readonly height: number;
}

export interface LayoutNotice {
  readonly id: string;
  readonly title: string;
  readonly category: string;
  readonly priority: NoticePriority;
  readonly riskLevel?: number | undefined;
  readonly blocks: readonly TextBlock[];
  readonly images: readonly LayoutImage[];
  readonly validFromMs: number;
  readonly validToMs: number;
}

export interface LayoutContext {
  readonly screen: LayoutScreen;
  readonly site: { readonly name: string; readonly path: readonly string[] };
  readonly measurer: TextMeasurer;
  /** Smallest text height legible on this screen (see minimumLegibleTextPx). */
  readonly minTextPx: number;
  /** Modules of the site's feedback QR code, when the site has a feedback address. */
  readonly qr?: { readonly modules: readonly string[]; readonly label: string } | undefined;
}

/** A picture the compiler must prepare at exactly w × h pixels before the page is final. */
export interface ImageRequestNode {
  readonly type: 'image-request';
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly noticeId: string;
  readonly imageIndex: number;
}

export type PlannedNode = SceneNode | ImageRequestNode;

export interface PlannedPage {
  readonly id: string;
  readonly noticeId: string;
  readonly index: number;
  readonly count: number;
  readonly durationMs: number;
  readonly transition: Transition;
  readonly showChrome: boolean;
  readonly nodes: readonly PlannedNode[];
}

export interface LayoutProblem {
  readonly severity: 'error' | 'warning';
  readonly code: string;
  readonly noticeId?: string;
  readonly message: string;
}

export interface LayoutFrame {
  /** Drawn under and over every page that shows the frame (header, clock, ticker, QR). */
  readonly chrome: { readonly under: readonly SceneNode[]; readonly over: readonly SceneNode[] };
  /** Shown when the screen is on and nothing is scheduled. */
  readonly idle: PlannedPage;
}

export interface LayoutOutput extends LayoutFrame {
  readonly pages: readonly PlannedPage[];
  readonly problems: readonly LayoutProblem[];
}

/**
 * A layout is two pure functions: the frame, which may depend on every notice (the ticker
 * lists them), and the pages of one notice, which depend on that notice alone, so the
 * compiler can reuse a notice's pages when only another notice changed. Emergency notices
 * never reach noticePages(): every layout shows them with the shared takeover.
 */
export interface LayoutTemplate<Schema extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  /** Parameters a site may set for this layout; parsed with defaults before use. */
  readonly params: Schema;
  frame(context: LayoutContext, notices: readonly LayoutNotice[], params: z.infer<Schema>): LayoutFrame;
  noticePages(context: LayoutContext, notice: LayoutNotice, params: z.infer<Schema>): NoticePagesResult;
}

/** The pages of one notice on one screen, or why the notice cannot be shown there. */
export type NoticePagesResult = { ok: true; pages: PlannedPage[] } | { ok: false; problem: LayoutProblem };
