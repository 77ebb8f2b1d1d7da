import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { screenContext } from '../../compiler/cap/cap-notice.ts';
import type { TextNode } from '../../compiler/format/scene.ts';
import { loadFontMeasurer, type FontMeasurer } from '../../compiler/io/font-measurer.ts';
import { EXERCISE_BANNER, emergencyPages, type EmergencyContent } from '../../layouts/common/emergency-takeover.ts';
import type { PlannedNode } from '../../layouts/common/layout-types.ts';
import { SITE } from '../cap/cap-fixtures.ts';

// The takeover's pages on the sample screens (issue 2, item 11): a warning of several pages
// says which page is showing, every page ends where a sentence ends, and no page carries a
// single orphan line.

let measurer: FontMeasurer;
before(async () => {
  measurer = await loadFontMeasurer();
});

const FLOOD: EmergencyContent = {
  id: 'canh-bao-mua-lon',
  title: 'CẢNH BÁO MƯA LỚN, LŨ QUÉT VÀ SẠT LỞ ĐẤT',
  category: 'canh-bao',
  priority: 'emergency',
  riskLevel: 3,
  blocks: [
    { kind: 'paragraph', runs: [{ text: 'Từ đêm 22/11 đến ngày 24/11, khu vực xã Ia Drăng có mưa to đến rất to, lượng mưa phổ biến 150–250 mm, có nơi trên 300 mm. Nguy cơ cao xảy ra lũ quét ở các suối Ia Lâu, Ia Púch và sạt lở đất tại các làng Dơ Ngol, Bò Ngoong.', bold: false }] },
    { kind: 'paragraph', runs: [{ text: 'Người dân không qua lại ngầm tràn, suối sâu; di dời tài sản, vật nuôi đến nơi an toàn; theo dõi chỉ dẫn của Ban Chỉ huy phòng thủ dân sự xã.', bold: false }] },
  ],
  images: [],
  validFromMs: Date.parse('2026-11-22T05:00:00+07:00'),
  validToMs: Date.parse('2026-11-24T18:00:00+07:00'),
};

const textOf = (node: PlannedNode | undefined): string =>
  node?.type === 'text' ? node.lines.map((l) => l.runs.map((r) => r.text).join('')).join(' ') : '';
const find = (nodes: readonly PlannedNode[], id: string): PlannedNode | undefined => nodes.find((n) => n.id === id);
const overlaps = (a: TextNode, b: TextNode): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function pagesOn(screenId: string, notice: EmergencyContent) {
  const screen = SITE.screens.find((s) => s.id === screenId)!;
  const result = emergencyPages(screenContext(SITE, screen, measurer), notice);
  assert.ok(result.ok, result.ok ? '' : result.problem.message);
  return result.pages;
}

test('the flood warning on the 640×384 LED wall: numbered pages, each ending at a sentence end', () => {
  const pages = pagesOn('cong-xa', FLOOD);
  assert.equal(pages.length, 3);
  for (const [i, page] of pages.entries()) {
    const counter = find(page.nodes, 'takeover-page');
    assert.ok(counter?.type === 'text', `page ${i + 1} has its number`);
    assert.equal(textOf(counter), `${i + 1}/3`);
    assert.ok(counter.sizePx >= 24, 'legible on LED');
    const banner = find(page.nodes, 'takeover-banner');
    assert.ok(banner?.type === 'text' && !overlaps(banner, counter), 'the number does not cover the banner');
    assert.equal(banner.x + banner.w / 2, 320, 'the banner stays centred');
    const body = page.nodes.find((n): n is TextNode => n.type === 'text' && n.id.startsWith('takeover-body'));
    assert.ok(body);
    assert.ok(body.lines.length >= 2, `page ${i + 1} holds a single line`);
    assert.match(textOf({ ...body, lines: body.lines.slice(-1) }), /\.$/, `page ${i + 1} ends mid-sentence`);
  }
});

test('a one-page takeover has no page number', () => {
  const pages = pagesOn('ubnd-sanh', FLOOD);
  assert.equal(pages.length, 1);
  assert.equal(find(pages[0]!.nodes, 'takeover-page'), undefined);
});

test('an exercise keeps its full mark; the page number then moves beside the risk level', () => {
  const pages = pagesOn('cong-xa', { ...FLOOD, exercise: true });
  assert.ok(pages.length > 1);
  for (const [i, page] of pages.entries()) {
    assert.equal(textOf(find(page.nodes, 'takeover-banner')), EXERCISE_BANNER);
    const counter = find(page.nodes, 'takeover-page');
    const level = find(page.nodes, 'takeover-level');
    assert.ok(counter?.type === 'text' && level?.type === 'text');
    assert.equal(textOf(counter), `${i + 1}/${pages.length}`);
    assert.ok(!overlaps(counter, level), 'the number does not cover the risk level');
    assert.equal(textOf(level), 'Cấp độ rủi ro thiên tai: cấp 3');
  }
});
