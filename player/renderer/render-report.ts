// What the renderer tells its host (tests, the snapshot command, the player core) about the
// bundle it draws. The renderer never throws for bad content: it skips the broken node, keeps
// drawing the rest, and records the fault here once.

export type RenderFaultCode =
  | 'BLOB_MISSING'
  | 'IMAGE_UNDECODABLE'
  | 'PAGE_MISSING'
  | 'NODE_FAILED'
  | 'FONT_NOT_VERIFIED';

export interface RenderFault {
  readonly code: RenderFaultCode;
  /** Page id, or "chrome.under" / "chrome.over" for the frame drawn around pages. */
  readonly scope?: string;
  readonly nodeId?: string;
  readonly message: string;
}

/** A line of a text node, or a clock's widest string, that the browser draws wider than its box. */
export interface OverflowEntry {
  readonly scope: string;
  readonly nodeId: string;
  /** Line index within the node; -1 for a clock node (measured with its widest sample). */
  readonly line: number;
  readonly text: string;
  /** Right edge of the line's ink advance, relative to the node's left edge, as the browser measures it. */
  readonly right: number;
  readonly left: number;
  readonly boxWidth: number;
  /** What the compiler measured for the same line. */
  readonly compilerWidth: number;
}

/** A run whose browser width differs from the compiler's by more than the tolerance. */
export interface WidthDriftEntry {
  readonly scope: string;
  readonly nodeId: string;
  readonly line: number;
  readonly text: string;
  readonly browserWidth: number;
  readonly compilerWidth: number;
}

export interface FontReport {
  /** Every face loaded and measuring differently from the fallback families. */
  readonly verified: boolean;
  readonly faces: number;
  readonly problems: readonly string[];
}

export interface OverflowReport {
  readonly overflow: readonly OverflowEntry[];
  readonly drift: readonly WidthDriftEntry[];
  /** Text runs checked, so a test can tell "nothing overflowed" from "nothing was checked". */
  readonly runsChecked: number;
}

export interface RendererReport extends OverflowReport {
  readonly rendererName: string;
  readonly fonts: FontReport;
  readonly faults: readonly RenderFault[];
}

/** Collects faults once each, so a live loop that meets the same broken node every frame stays bounded. */
export class FaultLog {
  private readonly seen = new Set<string>();
  private readonly list: RenderFault[] = [];

  add(fault: RenderFault): void {
    const key = `${fault.code}|${fault.scope ?? ''}|${fault.nodeId ?? ''}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(fault);
  }

  all(): readonly RenderFault[] {
    return [...this.list];
  }

  clear(): void {
    this.seen.clear();
    this.list.length = 0;
  }
}

export type FaultSink = (fault: RenderFault) => void;
