/**
 * The notice body format: a deliberately SMALL Markdown subset that commune officers can write
 * in any text editor and that every screen can draw without an HTML engine.
 *
 *   paragraphs      separated by blank lines; single line breaks inside join with a space
 *   **bold**        also __bold__
 *   bullet items    "- ", "* " or "+ " at the start of a line
 *   numbered items  "1. " or "1) " at the start of a line
 *
 * Nothing else is interpreted: it is shown as written. A few constructs are refused or flagged
 * because they could make a public screen show something remote or active, or because the
 * officer clearly expected formatting that will not happen:
 *   - HTML tags, links [text](url), autolinks <http://…> and images ![](…) are ERRORS;
 *   - headings "# …" are a WARNING and become a bold paragraph;
 *   - a "**" or "__" without partner is a WARNING and is shown literally.
 * A bare web address written as plain text is just text.
 *
 * Line numbers in problems count from the first line of `markdown` (1-based); the caller adds
 * the front matter's length to point into the file.
 */

export interface TextRun {
  text: string;
  bold: boolean;
}

export interface TextBlock {
  kind: 'paragraph' | 'bullet' | 'numbered';
  /** Only for 'numbered'. */
  number?: number;
  runs: TextRun[];
}

export type BodyProblemCode = 'BODY_HTML' | 'BODY_LINK' | 'BODY_IMAGE' | 'BODY_HEADING' | 'BODY_UNCLOSED_BOLD';

export interface BodyProblem {
  severity: 'error' | 'warning';
  code: BodyProblemCode;
  line: number;
  message: string;
}

export function parseNoticeBody(markdown: string): { blocks: TextBlock[]; problems: BodyProblem[] } {
  const problems: BodyProblem[] = [];
  const blocks: TextBlock[] = [];
  for (const raw of splitBlocks(markdown, problems)) {
    const runs = parseInline(raw, problems);
    if (runs.length === 0) continue;
    const block: TextBlock = { kind: raw.kind, runs: raw.heading ? [{ text: joinRuns(runs), bold: true }] : runs };
    if (raw.kind === 'numbered') block.number = raw.number;
    blocks.push(block);
  }
  problems.sort((a, b) => a.line - b.line);
  return { blocks, problems };
}

// ---------------------------------------------------------------------------------------------
// Blocks
// ---------------------------------------------------------------------------------------------

interface RawBlock {
  kind: TextBlock['kind'];
  number: number;
  heading: boolean;
  /** Line number of each entry of `lines`. */
  lineNumbers: number[];
  lines: string[];
}

const BLANK = /^[ \t]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const BULLET = /^[ \t]*[-*+][ \t]+(\S.*)$/;
const NUMBERED = /^[ \t]*(\d{1,9})[.)][ \t]+(\S.*)$/;

function splitBlocks(markdown: string, problems: BodyProblem[]): RawBlock[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const blocks: RawBlock[] = [];
  let current: RawBlock | null = null;
  // Numbered items keep counting across blank lines, as in any Markdown preview the officer may
  // use ("1." "1." "1." shows 1, 2, 3); a paragraph, bullet or heading in between restarts it.
  let nextNumber: number | null = null;

  const start = (kind: TextBlock['kind'], text: string, line: number, number = 0, heading = false) => {
    current = { kind, number, heading, lineNumbers: [line], lines: [text] };
    blocks.push(current);
  };

  lines.forEach((text, i) => {
    const line = i + 1;
    if (BLANK.test(text)) {
      current = null;
      return;
    }
    const heading = HEADING.exec(text);
    if (heading) {
      problems.push({
        severity: 'warning',
        code: 'BODY_HEADING',
        line,
        message:
          `Line ${line}: headings ("${heading[1] ?? '#'} …") are not used in notice bodies; this line is ` +
          `shown as a bold paragraph. The notice title comes from the "title:" field; to make a ` +
          `line stand out, write it as **bold text**.`,
      });
      start('paragraph', heading[2] ?? '', line, 0, true);
      current = null; // a heading is always a single line
      nextNumber = null;
      return;
    }
    const bullet = BULLET.exec(text);
    if (bullet) {
      start('bullet', bullet[1] ?? '', line);
      nextNumber = null;
      return;
    }
    const numbered = NUMBERED.exec(text);
    if (numbered) {
      const written = Number(numbered[1]);
      const number: number = nextNumber ?? written;
      start('numbered', numbered[2] ?? '', line, number);
      nextNumber = number + 1;
      return;
    }
    const open = current as RawBlock | null;
    if (open !== null) {
      // A line that continues a paragraph or list item joins it (with a space, later).
      open.lines.push(text);
      open.lineNumbers.push(line);
      return;
    }
    start('paragraph', text, line);
    nextNumber = null;
  });
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Inline: escapes, refused constructs, bold
// ---------------------------------------------------------------------------------------------

interface CharPiece {
  type: 'char';
  ch: string;
}

interface DelimPiece {
  type: 'delim';
  ch: '*' | '_';
  canOpen: boolean;
  canClose: boolean;
  line: number;
  /** Set when matched: +1 opens bold, -1 closes it. */
  role: 0 | 1 | -1;
}

type Piece = CharPiece | DelimPiece;

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;
const WHITESPACE = /[ \t\n\r\f\v]/;
const PUNCTUATION = /[\p{P}\p{S}]/u;

const LINK = /^\[((?:\\[\s\S]|[^\\\]])*)\]\(([^()]*)\)/;
const AUTOLINK = /^<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>/;
const EMAIL_AUTOLINK = /^<([^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>/;
const HTML_TAG = /^(?:<!--[\s\S]*?-->|<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>|<[!?][^<>]*>)/;

const SNIPPET_MAX = 60;

function shorten(s: string): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length <= SNIPPET_MAX ? flat : `${flat.slice(0, SNIPPET_MAX - 1)}…`;
}

function parseInline(block: RawBlock, problems: BodyProblem[]): TextRun[] {
  const source = block.lines.join('\n');
  const firstLine = block.lineNumbers[0] ?? 1;
  const lineAt = (index: number): number => {
    let n = 0;
    for (let i = 0; i < index; i += 1) if (source[i] === '\n') n += 1;
    return block.lineNumbers[n] ?? firstLine;
  };

  const pieces: Piece[] = [];
  const pushText = (text: string) => {
    for (const ch of text) pieces.push({ type: 'char', ch });
  };
  // Link texts stay readable: we scan them as normal text and jump over "](url)" when we get there.
  const linkTailAt = new Map<number, number>();

  let i = 0;
  while (i < source.length) {
    const tail = linkTailAt.get(i);
    if (tail !== undefined) {
      i = tail;
      continue;
    }
    const ch = source[i] ?? '';
    const rest = source.slice(i);

    if (ch === '\\' && ASCII_PUNCTUATION.test(source[i + 1] ?? '')) {
      pieces.push({ type: 'char', ch: source[i + 1] ?? '' });
      i += 2;
      continue;
    }

    if (ch === '!' && source[i + 1] === '[') {
      const image = LINK.exec(source.slice(i + 1));
      if (image) {
        problems.push({
          severity: 'error',
          code: 'BODY_IMAGE',
          line: lineAt(i),
          message:
            `Line ${lineAt(i)}: the picture "${shorten(`!${image[0]}`)}" cannot be placed inside the ` +
            `text; a public screen loads nothing from addresses in the text. Put the picture file ` +
            `in the "images:" field of the notice instead.`,
        });
        i += 1 + image[0].length;
        continue;
      }
    }

    if (ch === '[') {
      const link = LINK.exec(rest);
      if (link) {
        const url = (link[2] ?? '').trim();
        problems.push({
          severity: 'error',
          code: 'BODY_LINK',
          line: lineAt(i),
          message:
            `Line ${lineAt(i)}: the link "${shorten(link[0])}" is not allowed: nobody can click a ` +
            `public screen, and it must show nothing remote. Write the address as plain text ` +
            `instead${url ? `, for example "${shorten(`${link[1] ?? ''}: ${url}`)}"` : ''}.`,
        });
        linkTailAt.set(i + 1 + (link[1] ?? '').length, i + link[0].length);
        i += 1;
        continue;
      }
    }

    if (ch === '<') {
      const autolink = AUTOLINK.exec(rest) ?? EMAIL_AUTOLINK.exec(rest);
      if (autolink) {
        problems.push({
          severity: 'error',
          code: 'BODY_LINK',
          line: lineAt(i),
          message:
            `Line ${lineAt(i)}: the link "${shorten(autolink[0])}" is not allowed: a public screen ` +
            `shows nothing remote or active. Write the address as plain text, without the angle ` +
            `brackets: ${shorten(autolink[1] ?? '')}`,
        });
        pushText(autolink[1] ?? '');
        i += autolink[0].length;
        continue;
      }
      const tag = HTML_TAG.exec(rest);
      if (tag) {
        problems.push({
          severity: 'error',
          code: 'BODY_HTML',
          line: lineAt(i),
          message:
            `Line ${lineAt(i)}: the HTML "${shorten(tag[0])}" is not allowed: a public screen shows ` +
            `plain text only. Write **bold** for emphasis, write web addresses as plain text, and ` +
            `put pictures in the "images:" field.`,
        });
        i += tag[0].length;
        continue;
      }
    }

    if (ch === '*' || ch === '_') {
      let end = i;
      while (source[end] === ch) end += 1;
      const count = end - i;
      if (count < 2) {
        // A single * or _ (italic in full Markdown) is not interpreted.
        pieces.push({ type: 'char', ch });
        i = end;
        continue;
      }
      const before = i === 0 ? ' ' : (source[i - 1] ?? ' ');
      const after = source[end] ?? ' ';
      const { canOpen, canClose } = flanking(ch, before, after);
      // Bold takes two stars; any extra ones stay literal on the outer side of the delimiter.
      const extra = ch.repeat(count - 2);
      const delim: DelimPiece = { type: 'delim', ch, canOpen, canClose, line: lineAt(i), role: 0 };
      if (canClose && !canOpen) {
        pushText(extra);
        pieces.push(delim);
      } else {
        pieces.push(delim);
        pushText(extra);
      }
      i = end;
      continue;
    }

    const cp = source.codePointAt(i) ?? 0;
    const full = String.fromCodePoint(cp);
    pieces.push({ type: 'char', ch: full });
    i += full.length;
  }

  matchBold(pieces, problems);
  return buildRuns(pieces);
}

/** CommonMark's flanking rules, which decide whether a "**" can open or close bold text. */
function flanking(ch: '*' | '_', before: string, after: string): { canOpen: boolean; canClose: boolean } {
  const beforeSpace = WHITESPACE.test(before);
  const afterSpace = WHITESPACE.test(after);
  const beforePunct = PUNCTUATION.test(before);
  const afterPunct = PUNCTUATION.test(after);
  const left = !afterSpace && (!afterPunct || beforeSpace || beforePunct);
  const right = !beforeSpace && (!beforePunct || afterSpace || afterPunct);
  if (ch === '*') return { canOpen: left, canClose: right };
  // "__" inside a word (snake_case, addresses) is not emphasis.
  return { canOpen: left && (!right || beforePunct), canClose: right && (!left || afterPunct) };
}

function matchBold(pieces: Piece[], problems: BodyProblem[]): void {
  const openers: DelimPiece[] = [];
  const unmatched: DelimPiece[] = [];
  for (const piece of pieces) {
    if (piece.type !== 'delim') continue;
    if (piece.canClose) {
      let k = openers.length - 1;
      while (k >= 0 && openers[k]?.ch !== piece.ch) k -= 1;
      const opener = openers[k];
      if (opener !== undefined) {
        opener.role = 1;
        piece.role = -1;
        // Openers between the pair can no longer be closed without crossing it.
        unmatched.push(...openers.splice(k).slice(1));
        continue;
      }
    }
    if (piece.canOpen) openers.push(piece);
    else if (piece.canClose) unmatched.push(piece);
  }
  unmatched.push(...openers);
  for (const d of unmatched) {
    const mark = d.ch.repeat(2);
    problems.push({
      severity: 'warning',
      code: 'BODY_UNCLOSED_BOLD',
      line: d.line,
      message:
        `Line ${d.line}: "${mark}" has no partner, so it is shown as written instead of making ` +
        `text bold. Put "${mark}" on both sides of the bold words (or write \\${d.ch}\\${d.ch} ` +
        `for literal characters).`,
    });
  }
}

/**
 * Applies bold, collapses whitespace (ASCII only: a no-break space is deliberate) and merges
 * runs. A collapsed space between two runs of the same weight takes that weight, so
 * "**Mưa** **lớn**" is one bold run rather than three.
 */
function buildRuns(pieces: Piece[]): TextRun[] {
  const runs: TextRun[] = [];
  let depth = 0;
  let pendingSpace: boolean | null = null; // boldness of a space waiting for the next character
  const append = (text: string, bold: boolean) => {
    const last = runs[runs.length - 1];
    if (pendingSpace !== null) {
      const spaceBold = last !== undefined && last.bold === bold ? bold : pendingSpace;
      pendingSpace = null;
      append(' ', spaceBold);
      append(text, bold);
      return;
    }
    if (last !== undefined && last.bold === bold) last.text += text;
    else runs.push({ text, bold });
  };
  for (const piece of pieces) {
    if (piece.type === 'delim') {
      if (piece.role === 0) append(piece.ch.repeat(2), depth > 0);
      else depth += piece.role;
      continue;
    }
    const bold = depth > 0;
    if (WHITESPACE.test(piece.ch)) {
      if (runs.length > 0 && pendingSpace === null) pendingSpace = bold;
      continue;
    }
    append(piece.ch, bold);
  }
  return runs;
}

function joinRuns(runs: TextRun[]): string {
  return runs.map((r) => r.text).join('');
}
