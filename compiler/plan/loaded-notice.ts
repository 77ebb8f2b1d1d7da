import type { NoticeFrontMatter } from '../format/notice-schema.ts';
import type { TextBlock } from './markdown-subset.ts';

/** A notice file after parsing and checking: the planner's input. */
export interface LoadedNotice {
  readonly file: string;
  /** Front matter with its title already normalised to NFC. */
  readonly front: NoticeFrontMatter;
  readonly blocks: readonly TextBlock[];
  /** sha256 of the file's bytes, recorded in the manifest and play reports. */
  readonly sourceHash: string;
  readonly validFromMs: number;
  readonly validToMs: number;
  readonly images: readonly { readonly path: string; readonly reference: string; readonly sourceHash: string }[];
}
