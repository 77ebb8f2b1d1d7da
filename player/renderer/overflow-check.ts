import type { BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import type { ClockNode, SceneNode } from '../../compiler/format/scene.ts';
import {
  LONGEST_DATE_LONG_SAMPLE,
  LONGEST_DATE_SHORT_SAMPLE,
  LONGEST_LUNAR_DATE_LONG_SAMPLE,
  LONGEST_TIME_SAMPLE,
  LONGEST_TIME_WITH_SECONDS_SAMPLE,
} from '../../compiler/format/vietnamese-date.ts';
import type { OverflowEntry, OverflowReport, WidthDriftEntry } from './render-report.ts';
import { measureRun, runTextStyle } from './text-run.ts';

// The compiler fits text with its own measurements (fontkit over the same woff2 files); this
// checks them against the browser's, run by run, exactly as the runs are drawn. A line wider
// than its node's box means the two disagree and text would run into its neighbour: the board
// still draws it (never re-wrapping), and the report says where.

export interface OverflowCheckOptions {
  /** Sub-pixel differences between fontkit and the browser's shaper are expected. */
  readonly overflowTolerancePx?: number;
  readonly driftTolerancePx?: number;
}

const WIDEST_CLOCK_TEXT: Record<ClockNode['format'], string> = {
  time: LONGEST_TIME_SAMPLE,
  'time-seconds': LONGEST_TIME_WITH_SECONDS_SAMPLE,
  'date-short': LONGEST_DATE_SHORT_SAMPLE,
  'date-long': LONGEST_DATE_LONG_SAMPLE,
  'lunar-long': LONGEST_LUNAR_DATE_LONG_SAMPLE,
};

export function checkOverflow(manifest: BundleManifest, options: OverflowCheckOptions = {}): OverflowReport {
  const overflowTolerance = options.overflowTolerancePx ?? 0.5;
  const driftTolerance = options.driftTolerancePx ?? 1;
  const overflow: OverflowEntry[] = [];
  const drift: WidthDriftEntry[] = [];
  let runsChecked = 0;

  const checkNodes = (scope: string, nodes: readonly SceneNode[]) => {
    for (const node of nodes) {
      if (node.type === 'text') {
        node.lines.forEach((line, lineIndex) => {
          let left = Infinity;
          let right = -Infinity;
          const texts: string[] = [];
          for (const run of line.runs) {
            if (run.text.trim() === '') continue;
            const style = runTextStyle({ sizePx: node.sizePx, weight: run.weight, color: node.color });
            const width = measureRun(run.text, style);
            runsChecked += 1;
            texts.push(run.text);
            left = Math.min(left, run.x);
            // Trailing spaces advance the pen but draw nothing, so they cannot overflow.
            right = Math.max(right, run.x + measureRun(run.text.trimEnd(), style));
            if (Math.abs(width - run.width) > driftTolerance) {
              drift.push({ scope, nodeId: node.id, line: lineIndex, text: run.text, browserWidth: width, compilerWidth: run.width });
            }
          }
          if (texts.length === 0) return;
          if (right > node.w + overflowTolerance || left < -overflowTolerance) {
            overflow.push({ scope, nodeId: node.id, line: lineIndex, text: texts.join(''), left, right, boxWidth: node.w, compilerWidth: line.width });
          }
        });
      } else if (node.type === 'clock') {
        // A clock's text changes with time; the layout reserved room for the widest string the
        // format can produce, so that is what must fit.
        const text = WIDEST_CLOCK_TEXT[node.format];
        const width = measureRun(text, runTextStyle({ sizePx: node.sizePx, weight: node.weight, color: node.color }));
        runsChecked += 1;
        if (width > node.w + overflowTolerance) {
          overflow.push({ scope, nodeId: node.id, line: -1, text, left: 0, right: width, boxWidth: node.w, compilerWidth: Number.NaN });
        }
      }
    }
  };

  checkNodes('chrome.under', manifest.chrome.under);
  checkNodes('chrome.over', manifest.chrome.over);
  for (const page of manifest.pages) checkNodes(page.id, page.nodes);
  return { overflow, drift, runsChecked };
}
