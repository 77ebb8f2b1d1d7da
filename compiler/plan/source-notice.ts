import type { SourceFeedItem } from '../format/source-feed.ts';

// Turning a source-feed item into a notice file, and deciding what a pull does with it.
// Pure: the same item always gives the same bytes (no pull time, no machine), which is what
// makes pulling the same feed twice change nothing.

export interface NoticeApprovalText {
  readonly by: string;
  readonly role: string;
  readonly at: string;
}

const q = (value: string): string => JSON.stringify(value.normalize('NFC'));
const list = (values: readonly string[]): string => `[${values.join(', ')}]`;

/**
 * The notice file for a feed item: YAML front matter with every text value double-quoted (so
 * no title can break the YAML), then the body, all NFC with "\n" line ends. `approval` is
 * written only when the feed is trusted; the signature, when the station signs it, is added by
 * the caller (compiler/io/approve-notice.ts).
 */
export function noticeTextFromItem(options: { item: SourceFeedItem; imageRefs: readonly string[]; approval?: NoticeApprovalText | undefined; sourceName: string }): string {
  const { item } = options;
  const lines = [
    '---',
    `# From the source feed of ${options.sourceName.normalize('NFC')} (signage source pull); edits here are kept, and the feed's later changes to this item are then not taken.`,
    `id: ${item.id}`,
    `title: ${q(item.title)}`,
    `category: ${item.category}`,
    `priority: ${item.priority}`,
    ...(item.riskLevel !== undefined ? [`riskLevel: ${item.riskLevel}`] : []),
    `valid: { from: ${q(item.valid.from)}, to: ${q(item.valid.to)} }`,
  ];
  if (item.schedule) {
    const parts = [
      ...(item.schedule.days ? [`days: ${list(item.schedule.days)}`] : []),
      ...(item.schedule.from ? [`from: ${q(item.schedule.from)}`] : []),
      ...(item.schedule.to ? [`to: ${q(item.schedule.to)}`] : []),
    ];
    lines.push(`schedule: { ${parts.join(', ')} }`);
  }
  lines.push(`targets: ${list(item.targets)}`);
  if (options.imageRefs.length > 0) lines.push(`images: ${list(options.imageRefs.map(q))}`);
  if (options.approval) {
    lines.push('approval:', `  by: ${q(options.approval.by)}`, `  role: ${q(options.approval.role)}`, `  at: ${q(options.approval.at)}`);
  }
  lines.push('---');
  const body = item.body.replace(/\r\n?/g, '\n').normalize('NFC').replace(/\s+$/, '');
  return `${lines.join('\n')}\n${body}\n`;
}

export type PullAction =
  /** No file yet: write it. */
  | 'create'
  /** The file is as the last pull wrote it and the feed changed the item: rewrite it. */
  | 'update'
  /** The file already holds exactly this text, or the feed has not changed since the last pull. */
  | 'unchanged'
  /** The file was edited here since the last pull (approved locally, for instance) and the feed changed the item: keep the local file and say so. */
  | 'kept-local-edit'
  /** A file of that name exists that no pull wrote: never overwrite a local notice. */
  | 'not-ours';

/**
 * What to do with one item. `written` is the sha256 of what the last pull wrote to the file
 * (from the pull ledger), `current` the sha256 of the file now, `next` of what this pull
 * would write.
 */
export function pullAction(options: { next: string; current?: string | undefined; written?: string | undefined }): PullAction {
  const { next, current, written } = options;
  if (current === undefined) return 'create';
  if (current === next) return 'unchanged';
  if (written === undefined) return 'not-ours';
  if (current === written) return 'update';
  return written === next ? 'unchanged' : 'kept-local-edit';
}
