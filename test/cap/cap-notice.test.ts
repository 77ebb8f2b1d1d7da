import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { capNotice, capNoticeId, layoutCapNotice, screenContext, type CapNotice } from '../../compiler/cap/cap-notice.ts';
import type { SceneNode, TextNode, TickerNode } from '../../compiler/format/scene.ts';
import { loadFontMeasurer, type FontMeasurer } from '../../compiler/io/font-measurer.ts';
import { EMERGENCY_BANNER, EXERCISE_BANNER, emergencyBanner, emergencyPages, type EmergencyContent } from '../../layouts/common/emergency-takeover.ts';
import type { PlannedNode } from '../../layouts/common/layout-types.ts';
import { RISK_COLOURS } from '../../layouts/common/palette.ts';
import { SAMPLE_KEY, SITE, U1_KEY, alertFrom, at, evaluate, expectShow, fixtureAlert, fixtureText, sampleAlert } from './cap-fixtures.ts';

// A shown alert → what the emergency layouts draw, fitted with the real font metrics on every
// sample screen, the 192×64 P10 sign included.

let measurer: FontMeasurer;
before(async () => {
  measurer = await loadFontMeasurer();
});

const sampleNotice = (): CapNotice => capNotice(expectShow(evaluate(sampleAlert(), '2026-11-22T10:00:00+07:00')));
const drillNotice = (): CapNotice => capNotice(expectShow(evaluate(fixtureAlert('exercise-status.xml'), '2026-11-21T09:00:00+07:00')));
const landslideNotice = (): CapNotice => capNotice(expectShow(evaluate(fixtureAlert('circle-landslide.xml'), '2026-11-22T13:00:00+07:00')));

const textOf = (node: PlannedNode): string =>
  node.type === 'text' ? node.lines.map((line) => line.runs.map((run) => run.text).join('')).join(' ') : node.type === 'ticker' ? node.items.map((item) => item.text).join(' ') : '';

/** Every text and ticker line stays inside its box and is drawable with the shipped fonts. */
function assertFits(nodes: readonly PlannedNode[], where: string): void {
  for (const node of nodes) {
    if (node.type === 'text') {
      for (const line of node.lines) {
        assert.ok(line.width <= node.w + 0.01, `${where}: a line of ${node.id} is ${line.width} px wide in a ${node.w} px box`);
        assert.ok(line.top + node.lineHeightPx <= node.h + 0.01, `${where}: a line of ${node.id} falls below its box`);
      }
    }
    if (node.type === 'text' || node.type === 'ticker') assert.deepEqual(measurer.missingGlyphs(textOf(node)), [], `${where}: ${node.id} has characters no font can draw`);
  }
}

test('a shown alert becomes a LayoutNotice with the extra emergency fields', () => {
  const notice = sampleNotice();
  const alert = sampleAlert().infos[0]!;
  assert.equal(notice.title, alert.headline);
  assert.equal(notice.key, SAMPLE_KEY);
  assert.equal(notice.priority, 'emergency');
  assert.equal(notice.category, 'canh-bao');
  assert.equal(notice.presentation, 'takeover');
  assert.equal(notice.riskLevel, 4);
  assert.equal(notice.exercise, false);
  assert.deepEqual(notice.blocks, [
    { kind: 'paragraph', runs: [{ text: alert.description, bold: false }] },
    { kind: 'paragraph', runs: [{ text: alert.instruction, bold: true }] },
  ]);
  assert.deepEqual(notice.images, []);
  assert.equal(notice.validFromMs, at('2026-11-22T09:30:00+07:00'));
  assert.equal(notice.validToMs, at('2026-11-24T21:00:00+07:00'));
  // formatIssueTime prints "09:30 ngày 22/11/2026" in Vietnam time, whatever the machine's zone.
  assert.equal(notice.issueTimeLine, 'phát lúc 09:30 ngày 22/11/2026');
  assert.equal(notice.sourceLine, 'Trung tâm Dự báo khí tượng thủy văn quốc gia');
  assert.equal(notice.issueLine, 'Trung tâm Dự báo khí tượng thủy văn quốc gia · phát lúc 09:30 ngày 22/11/2026');
  assert.deepEqual(notice.textWarnings, []);
  assert.match(notice.id, /^cap-vn-kttv-2026-11-22-0930-bao9-[0-9a-f]{8}$/);
});

test('paragraphs split at blank lines, hard wraps are joined, and dangerous characters are removed', () => {
  const text = fixtureText('flash-flood-short.xml').replace(
    /<description>.*<\/description>/,
    '<description>Mưa lớn trong 6 giờ qua\n  120–180 mm.\n\nNguy cơ lũ quét \u202Eđảo chiều\u202C.</description>',
  );
  const notice = capNotice(expectShow(evaluate(alertFrom(text), '2026-11-22T11:00:00+07:00')));
  assert.deepEqual(
    notice.blocks.map((b) => b.runs.map((r) => r.text).join('')),
    ['Mưa lớn trong 6 giờ qua 120–180 mm.', 'Nguy cơ lũ quét đảo chiều.', 'Không qua ngầm, tràn khi nước đang chảy xiết.'],
  );
  assert.ok(notice.textWarnings.some((w) => w.startsWith('description: TEXT_BIDI_CONTROL')), notice.textWarnings.join('\n'));
});

test('notice ids are stable, distinct per key and safe in page ids', () => {
  assert.equal(capNoticeId(SAMPLE_KEY), capNoticeId(SAMPLE_KEY));
  assert.notEqual(capNoticeId(SAMPLE_KEY), capNoticeId(U1_KEY));
  // The same identifier from two senders must not collide.
  assert.notEqual(capNoticeId('a@x,ID-1,2026-11-22T09:30:00+07:00'), capNoticeId('b@x,ID-1,2026-11-22T09:30:00+07:00'));
  assert.match(capNoticeId('a@x,Tin bão/Số 9,2026-11-22T09:30:00+07:00'), /^cap-tin-b-o-s-9-[0-9a-f]{8}$/);
});

test('the sample alert fits every sample screen as a takeover, the 192×64 LED included', () => {
  const notice = sampleNotice();
  const layouts = layoutCapNotice({ site: SITE, notice, measurer });
  assert.deepEqual(layouts.map((l) => l.screen), ['ubnd-sanh', 'ubnd-kiosk', 'cong-xa', 'cong-xa-p10']);
  for (const layout of layouts) {
    assert.equal(layout.presentation, 'takeover');
    const result = layout.result;
    assert.ok(result.ok, result.ok ? '' : `${layout.screen}: ${result.problem.code}: ${result.problem.message}`);
    assert.ok('pages' in result);
    const screen = SITE.screens.find((s) => s.id === layout.screen)!;
    const minTextPx = screenContext(SITE, screen, measurer).minTextPx;
    let allText = '';
    for (const page of result.pages) {
      assert.equal(page.showChrome, false);
      const background = page.nodes[0]!;
      assert.ok(background.type === 'rect' && background.fill.kind === 'solid' && background.fill.color === RISK_COLOURS[4]!.background, 'red for cấp 4');
      assertFits(page.nodes, `${layout.screen} ${page.id}`);
      for (const node of page.nodes) {
        if (node.type === 'text') assert.ok(node.sizePx >= minTextPx, `${layout.screen}: ${node.id} at ${node.sizePx} px, under ${minTextPx}`);
        allText += ` ${textOf(node)}`;
      }
      assert.ok(!allText.includes('DIỄN TẬP'), 'a real alert is never marked as an exercise');
    }
    // Everything the alert says reaches the screen, issue line included, on one page or another.
    for (const expected of [notice.title, 'Cấp độ rủi ro thiên tai: cấp 4', 'Hồi 07 giờ ngày 22/11', 'trước 18 giờ ngày 22/11.', 'phát lúc 09:30 ngày 22/11/2026']) {
      assert.ok(allText.replace(/\s+/g, ' ').includes(expected), `${layout.screen} shows "${expected}"`);
    }
    if (layout.screen === 'cong-xa-p10') {
      assert.equal(result.pages.length, 1);
      const line = result.pages[0]!.nodes[1] as TickerNode;
      assert.equal(line.type, 'ticker');
      assert.ok(line.items[0]!.text.startsWith(`${EMERGENCY_BANNER} – Cấp độ rủi ro thiên tai: cấp 4: Tin bão khẩn cấp`));
      assert.ok(line.items[0]!.text.endsWith('(Trung tâm Dự báo khí tượng thủy văn quốc gia · phát lúc 09:30 ngày 22/11/2026)'));
      assert.equal(line.h, 64);
    }
  }
  // On the hall screen the issue line has a place of its own above the validity line.
  const hall = layouts[0]!.result;
  assert.ok(hall.ok && 'pages' in hall);
  const issue = hall.pages[0]!.nodes.find((n) => n.id === 'takeover-issue') as TextNode | undefined;
  assert.equal(issue && textOf(issue), 'Trung tâm Dự báo khí tượng thủy văn quốc gia · phát lúc 09:30 ngày 22/11/2026');
  const until = hall.pages[0]!.nodes.find((n) => n.id === 'takeover-until') as TextNode;
  assert.ok(issue!.y + issue!.h <= until.y, 'the issue line sits above the validity line');
});

test('an exercise carries "DIỄN TẬP" on every page of every screen and on the scrolling line', () => {
  const layouts = layoutCapNotice({ site: SITE, notice: drillNotice(), measurer });
  for (const layout of layouts) {
    const result = layout.result;
    assert.ok(result.ok && 'pages' in result, layout.screen);
    for (const page of result.pages) {
      assertFits(page.nodes, `${layout.screen} ${page.id}`);
      if (layout.screen === 'cong-xa-p10') {
        const line = page.nodes.find((n) => n.type === 'ticker') as TickerNode;
        assert.ok(line.items[0]!.text.startsWith(`${EXERCISE_BANNER} – ${EMERGENCY_BANNER}`), line.items[0]!.text);
        continue;
      }
      const banner = page.nodes.find((n) => n.id === 'takeover-banner');
      assert.ok(banner, `${layout.screen} ${page.id} has the banner`);
      assert.equal(textOf(banner), EXERCISE_BANNER);
      const band = page.nodes.find((n) => n.id === 'takeover-band');
      assert.ok(band?.type === 'rect' && band.fill.kind === 'solid' && band.fill.color === '#ffd400', 'hazard yellow, not the black of a real warning');
      assert.ok(page.nodes.filter((n) => n.id.startsWith('takeover-exercise-stripe-')).length >= 3, 'hazard stripes');
      assert.ok(!page.nodes.some((n) => textOf(n) === EMERGENCY_BANNER), 'never the real banner');
    }
  }
});

test('without the new fields the takeover draws exactly what it drew before', () => {
  const notice = sampleNotice();
  const plain = { id: notice.id, title: notice.title, category: notice.category, priority: notice.priority, riskLevel: notice.riskLevel, blocks: notice.blocks, images: notice.images, validFromMs: notice.validFromMs, validToMs: notice.validToMs };
  for (const screen of SITE.screens) {
    const result = emergencyPages(screenContext(SITE, screen, measurer), plain);
    assert.ok(result.ok);
    const ids = result.pages[0]!.nodes.map((n) => n.id.replace(/-\d+$/, ''));
    // A takeover of several pages numbers them ("1/3").
    const pageNumber = result.pages.length > 1 ? ['takeover-page'] : [];
    assert.deepEqual(ids, screen.id === 'cong-xa-p10' ? ['takeover-bg', 'takeover-line'] : ['takeover-bg', 'takeover-band', 'takeover-banner', 'takeover-level', 'takeover-title', 'takeover-until', 'takeover-body', ...pageNumber]);
    const all = result.pages.flatMap((p) => p.nodes.map(textOf)).join(' ');
    assert.ok(!all.includes('phát lúc') && !all.includes('DIỄN TẬP'));
  }
});

function bannerNodes(notice: EmergencyContent, screenId: string): SceneNode[] {
  const screen = SITE.screens.find((s) => s.id === screenId)!;
  const result = emergencyBanner(screenContext(SITE, screen, measurer), notice);
  assert.ok(result.ok, result.ok ? '' : result.problem.message);
  return result.nodes;
}

test('a lesser alert is a banner in its risk colour over normal content, on every screen', () => {
  const notice = landslideNotice();
  assert.equal(notice.presentation, 'banner');
  const layouts = layoutCapNotice({ site: SITE, notice, measurer });
  for (const layout of layouts) {
    assert.equal(layout.presentation, 'banner');
    const result = layout.result;
    assert.ok(result.ok && 'nodes' in result, layout.screen);
    const screen = SITE.screens.find((s) => s.id === layout.screen)!;
    const { box, nodes } = result;
    assert.ok(nodes.every((n) => n.type === 'rect' || n.type === 'text' || n.type === 'ticker'), 'only scene node types every renderer draws');
    const background = nodes[0]!;
    assert.ok(background.type === 'rect' && background.fill.kind === 'solid' && background.fill.color === RISK_COLOURS[3]!.background, 'orange for cấp 3');
    assertFits(nodes, layout.screen);
    for (const node of nodes) assert.ok(node.y >= box.y && node.y + node.h <= box.y + box.h && node.x >= 0 && node.x + node.w <= screen.size.width, `${layout.screen}: ${node.id} inside the band`);
    const message = nodes.map(textOf).join(' ');
    assert.ok(message.includes('Nguy cơ sạt lở đất khu vực đồi dốc thôn 5'), message);
    assert.ok(message.includes('Cấp độ rủi ro thiên tai: cấp 3'));
    if (layout.screen === 'cong-xa-p10') {
      assert.deepEqual(box, { x: 0, y: 0, w: 192, h: 64 }, 'a one-line sign gives the banner the whole sign');
    } else {
      assert.equal(box.y + box.h, screen.size.height, 'at the bottom');
      assert.ok(box.h <= screen.size.height * 0.12, `${layout.screen}: the band (${box.h} px) leaves the content visible`);
    }
  }
  // A short message fits on one line and does not scroll.
  const short = bannerNodes({ ...notice, title: 'Sạt lở đất thôn 5', issueLine: undefined }, 'ubnd-sanh');
  assert.ok(short.some((n) => n.id === 'alert-banner-line' && n.type === 'text'));
  const long = bannerNodes(notice, 'cong-xa');
  assert.ok(long.some((n) => n.id === 'alert-banner-line' && n.type === 'ticker' && n.phase === 'clock'));
});

test('an exercise banner says DIỄN TẬP on hazard yellow', () => {
  const notice: CapNotice = { ...landslideNotice(), exercise: true };
  const nodes = bannerNodes(notice, 'ubnd-sanh');
  const tab = nodes.find((n) => n.id === 'alert-banner-tab');
  assert.ok(tab?.type === 'rect' && tab.fill.kind === 'solid' && tab.fill.color === '#ffd400');
  assert.equal(textOf(nodes.find((n) => n.id === 'alert-banner-tab-label')!), 'DIỄN TẬP');
  assert.ok(textOf(nodes.find((n) => n.id === 'alert-banner-line')!).startsWith(`${EXERCISE_BANNER}: `));
  const sign = bannerNodes(notice, 'cong-xa-p10');
  assert.ok(textOf(sign.find((n) => n.type === 'ticker')!).startsWith(`${EXERCISE_BANNER} – `));
  const real = bannerNodes(landslideNotice(), 'ubnd-sanh');
  assert.equal(textOf(real.find((n) => n.id === 'alert-banner-tab-label')!), 'CẢNH BÁO');
  assert.ok(!real.map(textOf).join(' ').includes('DIỄN TẬP'));
});
