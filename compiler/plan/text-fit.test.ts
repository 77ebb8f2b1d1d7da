import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { FONT_INK_BOTTOM_EM, FONT_INK_TOP_EM, FONT_WEIGHTS, type FontWeight } from '../format/font-faces.ts';
import { loadFontMeasurer, type FontMeasurer } from '../io/font-measurer.ts';
import {
  STACKED_CAPITALS_LINE_HEIGHT,
  baselineOffsetPx,
  fitText,
  lineHeightPx,
  minimumLegibleTextPx,
  wrapBlocks,
  type FitOptions,
  type FitResult,
  type FittedPage,
  type TextBlock,
} from './text-fit.ts';

const STACKED_CAPITALS = 'Ấ Ầ Ẩ Ẫ Ậ Ắ Ằ Ẳ Ẵ Ặ Ế Ề Ể Ễ Ệ Ố Ồ Ổ Ỗ Ộ Ớ Ờ Ở Ỡ Ợ Ứ Ừ Ử Ữ Ự'.split(' ');
const LED_BOX = { width: 640, height: 384 };

let m: FontMeasurer;
let planBlocks: TextBlock[];

before(async () => {
  m = await loadFontMeasurer();
  const source = await readFile(new URL('../../../shared/samples/notices/ke-hoach-thong-tin-co-so.md', import.meta.url), 'utf8');
  planBlocks = parseBody(source);
});

/** Just enough of the notice format for these tests: paragraphs and "N. " items, no bold. */
function parseBody(source: string): TextBlock[] {
  const body = source.replace(/^---\n[\s\S]*?\n---\n/, '');
  const blocks: TextBlock[] = [];
  for (const line of body.split('\n')) {
    const text = line.trim();
    if (text === '') continue;
    const item = /^(\d+)\.\s+(.*)$/.exec(text);
    if (item) blocks.push({ kind: 'numbered', number: Number(item[1]), runs: [{ text: item[2] ?? '', bold: false }] });
    else blocks.push({ kind: 'paragraph', runs: [{ text, bold: false }] });
  }
  return blocks;
}

const para = (text: string): TextBlock => ({ kind: 'paragraph', runs: [{ text, bold: false }] });

function options(overrides: Partial<FitOptions> & Pick<FitOptions, 'blocks' | 'box'>): FitOptions {
  return {
    weight: 400,
    boldWeight: 700,
    minSizePx: 24,
    maxSizePx: 120,
    lineHeight: 1.3,
    paginate: false,
    measurer: m,
    ...overrides,
  };
}

function mustFit(result: FitResult): Extract<FitResult, { ok: true }> {
  if (!result.ok) assert.fail(`${result.code}: ${result.message}`);
  return result;
}

/** The properties every fitted result must have, whatever the text. */
function assertInsideBox(result: Extract<FitResult, { ok: true }>, box: { width: number; height: number }, weights: FontWeight[]): void {
  assert.ok(result.pages.length >= 1);
  for (const page of result.pages) {
    assert.ok(page.lines.length > 0, 'no empty page');
    assert.ok(page.height <= box.height, `page height ${page.height} > ${box.height}`);
    for (const line of page.lines) {
      assert.ok(Number.isInteger(line.top) && Number.isInteger(line.baseline));
      assert.ok(line.top >= 0 && line.top + result.lineHeightPx <= page.height);
      assert.ok(line.width <= box.width, `line width ${line.width} > ${box.width}`);
      for (const run of line.runs) {
        assert.ok(Number.isInteger(run.x), `run x ${run.x}`);
        assert.ok(run.x >= 0, `run "${run.text}" starts at ${run.x}`);
        assert.ok(run.x + run.width <= box.width, `run "${run.text}" ends at ${run.x + run.width} > ${box.width}`);
        assert.ok(weights.includes(run.weight));
        // The renderer measures whole runs; the sum of word widths must agree with that.
        assert.ok(Math.abs(m.width(run.text, run.weight, result.sizePx) - run.width) < 1e-6, `run "${run.text}" width`);
      }
      const first = line.runs[0];
      const last = line.runs[line.runs.length - 1];
      assert.ok(first !== undefined && last !== undefined);
      assert.ok(Math.abs(last.x + last.width - first.x - line.width) < 1e-9);
      for (let i = 1; i < line.runs.length; i++) {
        const a = line.runs[i - 1];
        const b = line.runs[i];
        assert.ok(a !== undefined && b !== undefined && b.x >= a.x + a.width - 0.5, 'runs do not overlap');
      }
    }
  }
}

const words = (text: string): string[] => text.split(/\s+/).filter((w) => w !== '');

/** Text of all pages with list markers left out, as words. */
function placedWords(pages: FittedPage[]): string[] {
  return pages.flatMap((p) =>
    p.lines.flatMap((l) => words(l.runs.filter((r) => !/^(•|\d+\.)$/.test(r.text)).map((r) => r.text).join(''))),
  );
}

test('a short notice gets the largest size that fits one page', () => {
  const blocks: TextBlock[] = [
    para('Lịch tiếp công dân tháng 12'),
    { kind: 'bullet', runs: [{ text: 'Thứ Hai và Thứ Năm, từ 7 giờ 30 đến 11 giờ', bold: false }] },
    { kind: 'bullet', runs: [{ text: 'Tại ', bold: false }, { text: 'trụ sở Ủy ban nhân dân xã', bold: true }] },
  ];
  const result = mustFit(fitText(options({ blocks, box: LED_BOX, maxSizePx: 200 })));
  assertInsideBox(result, LED_BOX, [400, 700]);
  assert.equal(result.pages.length, 1);
  assert.ok(result.sizePx > 24 && result.sizePx < 200, `size ${result.sizePx}`);
  assert.equal(result.lineHeightPx, Math.ceil(result.sizePx * 1.3));
  const bigger = fitText(options({ blocks, box: LED_BOX, minSizePx: result.sizePx + 1, maxSizePx: result.sizePx + 1 }));
  assert.equal(bigger.ok, false);
  assert.equal(!bigger.ok && bigger.code, 'TEXT_DOES_NOT_FIT');
  // The binary search agrees with trying every size.
  let largest = 0;
  for (let s = 24; s <= 200; s++) if (fitText(options({ blocks, box: LED_BOX, minSizePx: s, maxSizePx: s })).ok) largest = s;
  assert.equal(result.sizePx, largest);
  assert.deepEqual(placedWords(result.pages), words('Lịch tiếp công dân tháng 12 Thứ Hai và Thứ Năm, từ 7 giờ 30 đến 11 giờ Tại trụ sở Ủy ban nhân dân xã'));
});

test('the long plan notice is paged on a 640×384 LED board at the minimum size', (t) => {
  const minimum = minimumLegibleTextPx({ kind: 'led', pitchMm: 5, height: LED_BOX.height });
  assert.equal(minimum, 24);
  const fit = (): FitResult =>
    fitText(options({ blocks: planBlocks, box: LED_BOX, minSizePx: minimum, maxSizePx: 64, paginate: true }));
  const cold = performance.now();
  const result = mustFit(fit());
  const coldMs = performance.now() - cold;
  const warm = performance.now();
  const runs = 50;
  for (let i = 0; i < runs; i++) fit();
  const warmMs = (performance.now() - warm) / runs;
  t.diagnostic(`plan notice: ${result.pages.length} pages at ${result.sizePx} px; first fit ${coldMs.toFixed(1)} ms, then ${warmMs.toFixed(2)} ms per fit`);

  assertInsideBox(result, LED_BOX, [400]);
  assert.equal(result.sizePx, 24);
  assert.equal(result.lineHeightPx, 32);
  assert.ok(result.pages.length >= 3 && result.pages.length <= 5, `${result.pages.length} pages`);
  // Nothing lost, nothing repeated, in order.
  const source = planBlocks.flatMap((b) => b.runs.flatMap((r) => words(r.text)));
  assert.deepEqual(placedWords(result.pages), source);
  // Numbered items: marker at the left edge, text and continuation lines at one hanging indent.
  const markers = result.pages.flatMap((p) => p.lines.flatMap((l) => l.runs.filter((r) => /^\d+\.$/.test(r.text))));
  assert.deepEqual(markers.map((r) => r.text), ['1.', '2.', '3.', '4.', '5.', '6.']);
  assert.ok(markers.every((r) => r.x === 0));
  const textStarts = new Set(result.pages.flatMap((p) => p.lines.map((l) => (l.runs.length > 1 ? l.runs[1]?.x : l.runs[0]?.x))));
  assert.equal(textStarts.size, 2, `text starts at ${[...textStarts].join(', ')}`); // 0 for paragraphs, the indent for items
  // No page ends with the first line of a block that continues on the next page.
  const wrapped = wrapBlocks(planBlocks, { width: LED_BOX.width, sizePx: 24, weight: 400, boldWeight: 700, measurer: m });
  assert.ok(wrapped.ok);
  const kinds = wrapped.blocks.flatMap((b) => b.lines.map((_, i) => (i === 0 && b.lines.length > 1 ? 'opens' : 'other')));
  const lineText = (runs: { text: string }[]): string => runs.map((r) => r.text).join('|');
  assert.deepEqual(
    result.pages.flatMap((p) => p.lines.map((l) => lineText(l.runs))),
    wrapped.blocks.flatMap((b) => b.lines.map((l) => lineText(l.runs))),
  );
  let seen = 0;
  for (const page of result.pages.slice(0, -1)) {
    seen += page.lines.length;
    assert.ok(page.lines.length === 1 || kinds[seen - 1] !== 'opens', 'a page ends with the first line of a block');
  }
  // How cheap a fit is stays a diagnostic here: timing belongs to the compile bench
  // (npm run bench -- compile), not to a test that a loaded machine would fail.
});

test('the same notice does not fit one page when paging is not allowed', () => {
  const result = fitText(options({ blocks: planBlocks, box: LED_BOX, minSizePx: 24, maxSizePx: 64 }));
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.code, 'TEXT_DOES_NOT_FIT');
});

test('a first line alone at the bottom of a page moves to the next page', () => {
  const long = 'Thôn, làng và đơn vị liên quan căn cứ kế hoạch này xây dựng kế hoạch cụ thể, báo cáo kết quả thực hiện';
  const blocks = [para('Thông báo'), para('Lịch họp'), para(long)];
  const box = { width: 400, height: 1000 };
  const result = mustFit(fitText(options({ blocks, box, minSizePx: 24, maxSizePx: 24, maxLines: 3, paginate: true, blockGapEm: 0 })));
  assertInsideBox(result, box, [400]);
  const [first, second] = result.pages;
  assert.ok(first !== undefined && second !== undefined);
  assert.deepEqual(first.lines.map((l) => l.runs.map((r) => r.text).join('')), ['Thông báo', 'Lịch họp']);
  assert.ok(second.lines[0]?.runs[0]?.text.startsWith('Thôn, làng'));
  assert.ok(result.pages.every((p) => p.lines.length <= 3));
  assert.deepEqual(placedWords(result.pages), words(`Thông báo Lịch họp ${long}`));
});

test('one line per page never leaves a page empty', () => {
  const blocks = [para('Bão số 9 đổ bộ đêm nay, người dân không ra khơi, gia cố nhà cửa')];
  const box = { width: 500, height: 60 };
  const result = mustFit(fitText(options({ blocks, box, minSizePx: 32, maxSizePx: 40, maxLines: 1, paginate: true })));
  assertInsideBox(result, box, [400]);
  assert.ok(result.pages.length >= 2);
  assert.ok(result.pages.every((p) => p.lines.length === 1));
  assert.deepEqual(placedWords(result.pages), words('Bão số 9 đổ bộ đêm nay, người dân không ra khơi, gia cố nhà cửa'));
});

test('maxLines 1 keeps a ticker or single-line sign on one line', () => {
  const box = { width: 1920, height: 80 };
  const short = mustFit(fitText(options({ blocks: [para('Tiêm chủng mở rộng ngày 05/12')], box, maxLines: 1 })));
  assert.equal(short.pages.length, 1);
  assert.equal(short.pages[0]?.lines.length, 1);
  assertInsideBox(short, box, [400]);
  // Height allows 1.3 × 61 = 80 px; width is not the limit for this text.
  assert.equal(short.sizePx, 61);
  const long = fitText(options({ blocks: planBlocks.slice(0, 2), box, maxLines: 1 }));
  assert.equal(!long.ok && long.code, 'TEXT_DOES_NOT_FIT');
});

test('a word wider than the box at the minimum size is reported', () => {
  const word = 'Chủ-tịch-Ủy-ban-nhân-dân-xã-Ia-Drăng';
  const box = { width: 300, height: 200 };
  const result = fitText(options({ blocks: [para(`Kính gửi ${word} và các thôn`)], box, paginate: true }));
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.code, 'TEXT_WORD_TOO_WIDE');
  assert.equal(!result.ok && result.word, word);
  assert.ok(m.width(word, 400, 24) > 300);
  // The same word fits a wide box.
  assert.ok(fitText(options({ blocks: [para(word)], box: { width: 700, height: 200 } })).ok);
});

test('bold runs become their own runs; words spanning both weights stay whole', () => {
  const blocks: TextBlock[] = [
    {
      kind: 'paragraph',
      runs: [
        { text: 'Họp ', bold: false },
        { text: 'khẩn', bold: true },
        { text: 'cấp lúc 14 giờ tại ', bold: false },
        { text: 'hội trường', bold: true },
      ],
    },
  ];
  const wrapped = wrapBlocks(blocks, { width: 2000, sizePx: 40, weight: 400, boldWeight: 800, measurer: m });
  assert.ok(wrapped.ok);
  const lines = wrapped.blocks[0]?.lines ?? [];
  assert.equal(lines.length, 1);
  assert.deepEqual(
    lines[0]?.runs.map((r) => [r.text, r.weight]),
    [
      ['Họp ', 400],
      ['khẩn', 800],
      ['cấp lúc 14 giờ tại ', 400],
      ['hội trường', 800],
    ],
  );
  // Narrow: "khẩncấp" is one word and moves as a whole.
  const narrow = wrapBlocks(blocks, { width: m.width('Họp khẩn', 400, 40) + 5, sizePx: 40, weight: 400, boldWeight: 800, measurer: m });
  assert.ok(narrow.ok);
  const firstLine = narrow.blocks[0]?.lines[0]?.runs.map((r) => r.text).join('');
  assert.equal(firstLine, 'Họp');
});

test('centred lines have equal margins to a pixel', () => {
  const box = { width: 640, height: 384 };
  const result = mustFit(fitText(options({ blocks: planBlocks.slice(0, 1), box, align: 'center', maxSizePx: 40 })));
  assertInsideBox(result, box, [400]);
  for (const line of result.pages[0]?.lines ?? []) {
    const left = line.runs[0]?.x ?? 0;
    const right = box.width - left - line.width;
    assert.ok(Math.abs(left - right) <= 1, `margins ${left} / ${right}`);
    assert.ok(left > 0);
  }
});

test('numbered items without a number count on from the previous item', () => {
  const item = (text: string, number?: number): TextBlock => ({ kind: 'numbered', ...(number === undefined ? {} : { number }), runs: [{ text, bold: false }] });
  const wrapped = wrapBlocks([item('a'), item('b'), para('c'), item('d', 7), item('e')], { width: 500, sizePx: 24, weight: 400, boldWeight: 700, measurer: m });
  assert.ok(wrapped.ok);
  assert.deepEqual(wrapped.blocks.map((b) => b.lines[0]?.runs[0]?.text), ['1.', '2.', 'c', '7.', '8.']);
});

test('NFD input is placed as NFC', () => {
  const text = 'Kế hoạch năm 2026';
  const wrapped = wrapBlocks([para(text.normalize('NFD'))], { width: 1000, sizePx: 30, weight: 400, boldWeight: 700, measurer: m });
  assert.ok(wrapped.ok);
  assert.equal(wrapped.blocks[0]?.lines[0]?.runs[0]?.text, text);
});

test('every stacked capital stays inside its line box at STACKED_CAPITALS_LINE_HEIGHT', () => {
  // In em, with the rule baseline = top + (L − (inkTop + inkBottom)) / 2 + inkTop.
  const inkFits = (ch: string, weight: FontWeight, lineHeight: number): boolean => {
    const { yMaxEm, yMinEm } = m.glyphExtents(ch, weight);
    const baseline = (lineHeight - (FONT_INK_TOP_EM + FONT_INK_BOTTOM_EM)) / 2 + FONT_INK_TOP_EM;
    return baseline - yMaxEm >= 0 && baseline - yMinEm <= lineHeight;
  };
  const misfits = (weight: FontWeight, lineHeight: number): string[] =>
    STACKED_CAPITALS.filter((ch) => !inkFits(ch, weight, lineHeight));
  for (const weight of FONT_WEIGHTS) {
    for (const ch of STACKED_CAPITALS) assert.ok(inkFits(ch, weight, STACKED_CAPITALS_LINE_HEIGHT), `${ch} at ${weight}`);
  }
  // The constant is tight: the ink span is 1.231 + 0.253 = 1.484 em, reached at 800 by Ẳ (top)
  // and the capitals with a dot below (bottom). At 1.48 the baseline is 1.229 em below the
  // top, so Ẳ pokes out by 0.002 em, and the 0.251 em left below it is short of 0.253.
  const tooShortAt800 = ['Ậ', 'Ẳ', 'Ặ', 'Ệ', 'Ộ', 'Ợ', 'Ự'];
  assert.deepEqual(misfits(800, STACKED_CAPITALS_LINE_HEIGHT - 0.01), tooShortAt800);
  assert.deepEqual(misfits(800, STACKED_CAPITALS_LINE_HEIGHT - 0.02), tooShortAt800);
  assert.ok(FONT_WEIGHTS.some((w) => misfits(w, STACKED_CAPITALS_LINE_HEIGHT - 0.02).length > 0));
  // 400 alone would need 1.432 em: (L − 1.484) / 2 + 1.231 − L ≤ −0.227 (the dot below of Ậ).
  assert.deepEqual(misfits(400, 1.44), []);
  assert.deepEqual(misfits(400, 1.43), ['Ậ', 'Ặ', 'Ệ', 'Ộ', 'Ợ', 'Ự']);
  // 1.3 is not enough: it leaves 1.139 em above the baseline and 0.161 em below, so the dot
  // below pokes out at the bottom and the taller stacked marks at the top.
  assert.deepEqual(misfits(400, 1.3), ['Ẩ', 'Ậ', 'Ắ', 'Ằ', 'Ẳ', 'Ặ', 'Ể', 'Ệ', 'Ổ', 'Ỗ', 'Ộ', 'Ợ', 'Ự']);
  assert.deepEqual(misfits(800, 1.3), ['Ẩ', 'Ẫ', 'Ậ', 'Ắ', 'Ằ', 'Ẳ', 'Ẵ', 'Ặ', 'Ể', 'Ễ', 'Ệ', 'Ổ', 'Ỗ', 'Ộ', 'Ợ', 'Ự']);

  // In pixels, as fitText places them (whole-pixel baseline: at most half a pixel of rounding).
  const headline = STACKED_CAPITALS.join(' ');
  for (const weight of [400, 800] as const) {
    const extents = STACKED_CAPITALS.map((ch) => m.glyphExtents(ch, weight));
    const yMax = Math.max(...extents.map((e) => e.yMaxEm));
    const yMin = Math.min(...extents.map((e) => e.yMinEm));
    for (const size of [16, 24, 32, 48, 61, 96, 150]) {
      const box = { width: 300, height: 4000 };
      const result = mustFit(
        fitText(options({ blocks: [para(headline)], box, weight, boldWeight: weight, minSizePx: size, maxSizePx: size, lineHeight: STACKED_CAPITALS_LINE_HEIGHT })),
      );
      assert.equal(result.lineHeightPx, lineHeightPx(size, STACKED_CAPITALS_LINE_HEIGHT));
      const lines = result.pages[0]?.lines ?? [];
      assert.ok(lines.length > 1);
      for (const line of lines) {
        assert.equal(line.baseline - line.top, baselineOffsetPx(size, result.lineHeightPx));
        assert.ok(line.baseline - yMax * size >= line.top - 0.5, `ink top at ${size} px`);
        assert.ok(line.baseline - yMin * size <= line.top + result.lineHeightPx + 0.5, `ink bottom at ${size} px`);
      }
    }
  }
});

test('FONT_INK_TOP_EM and FONT_INK_BOTTOM_EM match the font files', () => {
  const tones = ['', '\u0300', '\u0301', '\u0309', '\u0303', '\u0323'];
  const lower = [...'aăâeêioôơuưy'].flatMap((base) => tones.map((tone) => (base + tone).normalize('NFC')));
  const precomposedLower = [...lower, 'đ'].filter((ch) => !/^[a-z]$/.test(ch));
  const precomposed = [...precomposedLower, ...precomposedLower.map((ch) => ch.toUpperCase())];
  assert.equal(new Set(precomposed).size, 134);
  assert.ok(precomposed.every((ch) => ch.length === 1), 'all precomposed');
  const letters = [...precomposed, ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'];
  let top = Number.NEGATIVE_INFINITY;
  let bottom = Number.NEGATIVE_INFINITY;
  for (const weight of FONT_WEIGHTS) {
    for (const ch of letters) {
      const { yMaxEm, yMinEm } = m.glyphExtents(ch, weight);
      top = Math.max(top, yMaxEm);
      bottom = Math.max(bottom, -yMinEm);
    }
  }
  assert.ok(FONT_INK_TOP_EM >= top && FONT_INK_TOP_EM - top < 0.005, `ink top ${top}`);
  assert.ok(FONT_INK_BOTTOM_EM >= bottom && FONT_INK_BOTTOM_EM - bottom < 0.005, `ink bottom ${bottom}`);
});

test('baseline rule: the ink span is centred in the line box', () => {
  // 24 px at 1.3: line 32 px, ink span 1.484 × 24 = 35.616 px, ink top 1.231 × 24 = 29.544 px;
  // (32 − 35.616) / 2 + 29.544 = 27.736 → 28.
  assert.equal(lineHeightPx(24, 1.3), 32);
  assert.equal(baselineOffsetPx(24, 32), 28);
  assert.equal(lineHeightPx(10, 1.3), 13);
  // 100 px at 1.49: line 149 px, (149 − 148.4) / 2 + 123.1 = 123.4 → 123.
  assert.equal(lineHeightPx(100, STACKED_CAPITALS_LINE_HEIGHT), 149);
  assert.equal(baselineOffsetPx(100, 149), 123);
  // 48 px at 1.49: line ⌈71.52⌉ = 72 px, (72 − 71.232) / 2 + 59.088 = 59.472 → 59.
  assert.equal(lineHeightPx(48, STACKED_CAPITALS_LINE_HEIGHT), 72);
  assert.equal(baselineOffsetPx(48, 72), 59);
});

test('minimum legible sizes', () => {
  assert.equal(minimumLegibleTextPx({ kind: 'led', pitchMm: 10, height: 200 }), 24);
  assert.equal(minimumLegibleTextPx({ kind: 'led', pitchMm: 4, height: 880 }), 24);
  assert.equal(minimumLegibleTextPx({ kind: 'lcd', height: 1080 }), 27);
  assert.equal(minimumLegibleTextPx({ kind: 'lcd', height: 768 }), 24);
  assert.equal(minimumLegibleTextPx({ kind: 'lcd', height: 1920 }), 48);
});

test('empty text fits trivially and invalid ranges are refused', () => {
  const result = mustFit(fitText(options({ blocks: [para('   ')], box: LED_BOX })));
  assert.equal(result.pages.length, 1);
  assert.equal(result.pages[0]?.lines.length, 0);
  assert.throws(() => fitText(options({ blocks: [], box: LED_BOX, minSizePx: 30, maxSizePx: 20 })), RangeError);
});
