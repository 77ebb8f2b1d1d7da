import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TickerNode } from '../../compiler/format/scene.ts';
import { layoutTicker, tickerOffset, type TickerMeasures } from '../../player/renderer/ticker-layout.ts';

// Ticker positions are arithmetic on the instant: whole pixels per frame, items only inside
// their own time windows, 'clock' tickers continuous across pages, 'page' tickers entering at
// the right edge when their page starts.

const FRAME_MS = 1000 / 60;
const ALWAYS = { fromMs: -8.64e15, toMs: 8.64e15 };

function ticker(overrides: Partial<TickerNode>): TickerNode {
  return {
    type: 'ticker',
    id: 't',
    x: 0,
    y: 0,
    w: 200,
    h: 40,
    sizePx: 30,
    weight: 700,
    color: '#ffffff',
    baseline: 32,
    items: [{ text: 'Một', width: 300, ...ALWAYS }],
    gapPx: 60,
    separator: '•',
    pxPerFrame: 2,
    frameMs: FRAME_MS,
    phase: 'page',
    ...overrides,
  };
}

const measuresOf = (node: TickerNode): TickerMeasures => ({
  pieces: node.items.map((item) => [{ text: item.text, x: 0, width: item.width }]),
  separatorWidth: 10,
});

test('the offset moves in whole steps of pxPerFrame, once per frame', () => {
  const node = ticker({ pxPerFrame: 3 });
  assert.equal(tickerOffset(node, 1000, 1000), 0);
  assert.equal(tickerOffset(node, 1000 + FRAME_MS * 0.99, 1000), 0);
  assert.equal(tickerOffset(node, 1000 + FRAME_MS * 1.01, 1000), 3);
  assert.equal(tickerOffset(node, 1000 + 1000, 1000), 180);
});

test("a 'page' ticker enters at the right edge when its page starts and leaves before it comes round", () => {
  const node = ticker({});
  const measures = measuresOf(node);
  const start = 5_000_000;
  const first = layoutTicker(node, measures, start, start);
  assert.deepEqual(first.origins, [200]);
  assert.equal(first.elements.length, 0, 'nothing is visible at the very start');

  // After 100 frames (200 px) the item's left edge reaches the box's left edge.
  const later = layoutTicker(node, measures, start + 100 * FRAME_MS + 1, start);
  assert.equal(later.elements[0]?.x, 0);

  // One pass is item + box width (500 px = 250 frames); then it starts over at the right.
  const again = layoutTicker(node, measures, start + 250 * FRAME_MS + 1, start);
  assert.deepEqual(again.origins, [200]);
  // No separator after the last item of a 'page' strip.
  assert.ok(!layoutTicker(node, measures, start + 200 * FRAME_MS + 1, start).elements.some((e) => e.text === '•'));
});

test("a 'clock' ticker is where the instant says, whatever page it is drawn on", () => {
  const node = ticker({ phase: 'clock' });
  const measures = measuresOf(node);
  const at = 1_795_222_800_123;
  assert.deepEqual(layoutTicker(node, measures, at, at - 5_000), layoutTicker(node, measures, at, at - 77_000));
});

test("a 'clock' strip repeats end to end, so the band is never empty", () => {
  const node = ticker({ phase: 'clock', w: 1000, items: [{ text: 'Ngắn', width: 150, ...ALWAYS }] });
  const measures = measuresOf(node);
  for (let frame = 0; frame < 200; frame += 7) {
    const layout = layoutTicker(node, measures, frame * FRAME_MS + 1, 0);
    const covered = layout.origins.filter((o) => o <= 0).length;
    assert.ok(covered >= 1, 'a copy starts at or before the left edge');
    assert.ok(layout.origins.at(-1)! + 210 >= 1000, 'a copy reaches the right edge');
    assert.ok(layout.elements.filter((e) => e.text === 'Ngắn').length >= 4);
  }
});

test('items scroll only inside their own [fromMs, toMs) window', () => {
  const node = ticker({
    phase: 'clock',
    items: [
      { text: 'luôn', width: 100, ...ALWAYS },
      { text: 'sắp tới', width: 120, fromMs: 1000, toMs: 2000 },
    ],
  });
  const measures = measuresOf(node);
  assert.deepEqual(layoutTicker(node, measures, 999, 0).activeItems, [0]);
  assert.deepEqual(layoutTicker(node, measures, 1000, 0).activeItems, [0, 1]);
  assert.deepEqual(layoutTicker(node, measures, 2000, 0).activeItems, [0]);
  const none = ticker({ items: [{ text: 'hết hạn', width: 100, fromMs: 0, toMs: 10 }] });
  assert.deepEqual(layoutTicker(none, measuresOf(none), 50, 0).elements, []);
});

test('a long item cut into pieces keeps them end to end and draws only those on the band', () => {
  const node = ticker({ w: 192, items: [{ text: 'x', width: 6000, ...ALWAYS }] });
  const measures: TickerMeasures = {
    pieces: [[{ text: 'a', x: 0, width: 2000 }, { text: 'b', x: 2000, width: 2000 }, { text: 'c', x: 4000, width: 2000 }]],
    separatorWidth: 0,
  };
  const at = (px: number) => layoutTicker(node, measures, (px / 2) * FRAME_MS + 1, 0);
  assert.deepEqual(at(192 + 2100).elements.map((e) => [e.text, e.x]), [['b', -100]]);
  assert.deepEqual(at(192 + 1950).elements.map((e) => e.text), ['a', 'b']);
});
