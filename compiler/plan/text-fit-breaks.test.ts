import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadFontMeasurer, type FontMeasurer } from '../io/font-measurer.ts';
import { nonBreakingGaps } from './line-break-joins.ts';
import { fitText, wrapBlocks, type FitOptions, type FitResult, type FittedPage, type PlacedLine, type TextBlock } from './text-fit.ts';

// Where the fitter breaks lines and pages (issue 2, items 10–11): never inside the joins of
// line-break-joins.ts, no paragraph ending in one lone syllable, and pages that end where a
// thought ends. With the real Be Vietnam Pro metrics, over many box widths, so that a rule
// that only happens to hold at one width cannot pass.

let m: FontMeasurer;
before(async () => {
  m = await loadFontMeasurer();
});

const para = (text: string, bold = false): TextBlock => ({ kind: 'paragraph', runs: [{ text, bold }] });
const item = (number: number, text: string): TextBlock => ({ kind: 'numbered', number, runs: [{ text, bold: false }] });
const words = (text: string): string[] => text.split(/\s+/).filter((w) => w !== '');
const MARKER = /^(•|\d+\.)$/;
const lineText = (line: PlacedLine): string => line.runs.filter((r) => !MARKER.test(r.text)).map((r) => r.text).join('');
const placedWords = (pages: FittedPage[]): string[] => pages.flatMap((p) => p.lines.flatMap((l) => words(lineText(l))));

const FLOOD_1 = 'Từ đêm 22/11 đến ngày 24/11, khu vực xã Ia Drăng có mưa to đến rất to, lượng mưa phổ biến 150–250 mm, có nơi trên 300 mm. Nguy cơ cao xảy ra lũ quét ở các suối Ia Lâu, Ia Púch và sạt lở đất tại các làng Dơ Ngol, Bò Ngoong.';
const FLOOD_2 = 'Người dân không qua lại ngầm tràn, suối sâu; di dời tài sản, vật nuôi đến nơi an toàn; theo dõi chỉ dẫn của Ban Chỉ huy phòng thủ dân sự xã.';
const VACCINATION = 'Trạm Y tế xã Ia Drăng tổ chức tiêm chủng mở rộng cho trẻ em dưới 5 tuổi vào ngày 05 và 06 tháng 12 năm 2026, từ 7 giờ 30 đến 16 giờ 30, tốc độ xe qua khu vực không quá 20 km/h, điện thoại 0269 3845 114.';

function mustFit(result: FitResult): Extract<FitResult, { ok: true }> {
  if (!result.ok) assert.fail(`${result.code}: ${result.message}`);
  return result;
}

function options(overrides: Partial<FitOptions> & Pick<FitOptions, 'blocks' | 'box'>): FitOptions {
  return { weight: 700, boldWeight: 800, minSizePx: 24, maxSizePx: 24, lineHeight: 1.3, paginate: true, measurer: m, ...overrides };
}

test('no line breaks inside a number and its unit, a date, a time, a phone number or a short name, at any width', () => {
  const text = `${FLOOD_1} ${VACCINATION}`;
  const all = words(text);
  const glued = nonBreakingGaps(all);
  // Every gap the rules join, as "before|after", to look up line ends by.
  const joins = new Set(all.flatMap((w, i) => (i > 0 && glued[i] ? [`${all[i - 1]}|${w}`] : [])));
  assert.ok(joins.has('300|mm.') && joins.has('ngày|24/11,') && joins.has('Dơ|Ngol,') && joins.has('20|km/h,') && joins.has('3845|114.'));
  let checked = 0;
  for (let width = 260; width <= 700; width += 3) {
    const wrapped = wrapBlocks([para(text)], { width, sizePx: 24, weight: 700, boldWeight: 800, measurer: m });
    assert.ok(wrapped.ok, `width ${width}`);
    const lines = wrapped.blocks[0]!.lines.map((l) => words(l.runs.map((r) => r.text).join('')));
    assert.deepEqual(lines.flat(), all, `width ${width}: words lost or reordered`);
    for (let i = 1; i < lines.length; i += 1) {
      const pair = `${lines[i - 1]!.at(-1)}|${lines[i]![0]}`;
      assert.ok(!joins.has(pair), `width ${width}: the line breaks inside "${pair.replace('|', ' ')}"`);
      checked += 1;
    }
  }
  assert.ok(checked > 1000, `${checked} line breaks checked`);
});

test('a joined group wider than the line breaks between its words instead of failing', () => {
  const text = 'gọi 0269 3845 114';
  const groupWidth = m.width('0269 3845 114', 700, 24);
  const width = Math.ceil(m.width('0269 3845', 700, 24)) + 2;
  assert.ok(groupWidth > width);
  const result = mustFit(fitText(options({ blocks: [para(text)], box: { width, height: 400 } })));
  assert.deepEqual(result.pages.flatMap((p) => p.lines.map(lineText)), ['gọi 0269', '3845 114']);
});

test('a paragraph does not end with one lone syllable when the line above can spare a word', () => {
  const texts = [FLOOD_1, FLOOD_2, VACCINATION, 'Duy trì hệ thống truyền thanh ứng dụng công nghệ thông tin – viễn thông hoạt động đến tất cả thôn, làng; kịp thời sửa chữa các cụm loa hư hỏng, bảo đảm công tác tuyên truyền thường xuyên.'];
  let lonely = 0;
  let paragraphs = 0;
  for (let width = 240; width <= 720; width += 5) {
    const wrapped = wrapBlocks(texts.map((t) => para(t)), { width, sizePx: 24, weight: 700, boldWeight: 800, measurer: m });
    assert.ok(wrapped.ok);
    for (const block of wrapped.blocks) {
      const lines = block.lines.map((l) => words(l.runs.map((r) => r.text).join('')));
      if (lines.length < 2) continue;
      paragraphs += 1;
      if (lines.at(-1)!.length === 1 && lines.at(-2)!.length >= 3) lonely += 1;
    }
  }
  assert.ok(paragraphs > 300);
  assert.equal(lonely, 0, `${lonely} paragraphs end with a lone syllable`);
});

test('the flood warning on the 640×384 LED takeover: every page ends at a sentence end', () => {
  // The takeover's body box on the sample LED wall (layouts/common/emergency-takeover.ts).
  const box = { width: 606, height: 130 };
  const result = mustFit(fitText(options({ blocks: [para(FLOOD_1), para(FLOOD_2)], box, align: 'center' })));
  assert.equal(result.pages.length, 3);
  for (const page of result.pages) {
    assert.match(lineText(page.lines.at(-1)!), /\.$/, `a page ends "${lineText(page.lines.at(-1)!)}"`);
    assert.ok(page.lines.length >= 2, 'no page of a single line');
    assert.ok(page.height <= box.height);
    for (const line of page.lines) assert.ok(line.width <= box.width);
  }
  assert.equal(lineText(result.pages[0]!.lines.at(-1)!), '150–250 mm, có nơi trên 300 mm.');
  assert.equal(lineText(result.pages[1]!.lines[0]!).split(' ').slice(0, 3).join(' '), 'Nguy cơ cao');
  assert.deepEqual(placedWords(result.pages), words(`${FLOOD_1} ${FLOOD_2}`));
});

test('the long plan notice on the LED body box: pages start at list items and paragraphs', async () => {
  const { readFile } = await import('node:fs/promises');
  const source = await readFile(new URL('../../../shared/samples/notices/ke-hoach-thong-tin-co-so.md', import.meta.url), 'utf8');
  const blocks: TextBlock[] = source
    .replace(/^---\n[\s\S]*?\n---\n/, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const numbered = /^(\d+)\.\s+(.*)$/.exec(l);
      return numbered ? item(Number(numbered[1]), numbered[2]!) : para(l);
    });
  // led-gon's body box on the 640×384 sample wall under a two-line title.
  const box = { width: 616, height: 197 };
  const result = mustFit(fitText(options({ blocks, box })));
  const openers = new Set(blocks.map((b) => words(b.runs[0]!.text)[0]));
  for (const [i, page] of result.pages.entries()) {
    const first = page.lines[0]!;
    assert.ok(openers.has(words(lineText(first))[0]) && (first.runs.length === 1 || MARKER.test(first.runs[0]!.text) || first.runs[0]!.x === 0), `page ${i + 1} starts inside a paragraph: "${lineText(first)}"`);
    assert.ok(page.lines.length >= 2, `page ${i + 1} holds a single line`);
  }
  assert.deepEqual(placedWords(result.pages), blocks.flatMap((b) => words(b.runs[0]!.text)));
});

test('a list item continued after a sentence end keeps its indent and does not repeat its marker', () => {
  // Four lines at 420 px, the sentence ending inside the second: three lines and one alone, or
  // two and two with the break at the sentence end.
  const text = 'Duy trì hệ thống truyền thanh đến tất cả thôn, làng. Kịp thời sửa chữa các cụm loa hư hỏng, bảo đảm tuyên truyền.';
  const blocks = [item(1, text)];
  const size = 24;
  const indent = wrapBlocks(blocks, { width: 420, sizePx: size, weight: 700, boldWeight: 800, measurer: m });
  assert.ok(indent.ok);
  const textX = indent.blocks[0]!.lines[1]!.runs[0]!.x;
  assert.ok(textX > 0);
  const result = mustFit(fitText(options({ blocks, box: { width: 420, height: 1000 }, maxLines: 3 })));
  assert.equal(result.pages.length, 2);
  const [first, second] = result.pages as [FittedPage, FittedPage];
  assert.equal(first.lines[0]!.runs[0]!.text, '1.');
  assert.match(lineText(first.lines.at(-1)!), /làng\.$/);
  assert.ok(!second.lines.some((l) => l.runs.some((r) => MARKER.test(r.text))), 'the marker is not repeated');
  assert.ok(second.lines.every((l) => l.runs[0]!.x === textX), 'the continuation stays at the item indent');
  assert.equal(words(lineText(second.lines[0]!))[0], 'Kịp');
  assert.deepEqual(placedWords(result.pages), words(text));
});
