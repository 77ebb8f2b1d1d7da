import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redrawAreas, WHOLE_FRAME_SHARE } from '../../player/renderer/redraw-areas.ts';

const SCREEN = { width: 1920, height: 1080 };

test('a ticker band alone is redrawn as itself', () => {
  assert.deepEqual(redrawAreas([{ x: 190, y: 996, w: 1730, h: 84 }], SCREEN), [{ x: 190, y: 996, w: 1730, h: 84 }]);
});

test('nothing changed: nothing to redraw', () => {
  assert.deepEqual(redrawAreas([], SCREEN), []);
});

test('areas are clipped to the screen and rounded out to whole pixels; one wholly outside is dropped', () => {
  assert.deepEqual(redrawAreas([{ x: -10.5, y: 1070.2, w: 30, h: 40 }, { x: 2000, y: 0, w: 10, h: 10 }], SCREEN), [{ x: 0, y: 1070, w: 20, h: 10 }]);
});

test('a clock whose old and new text overlap becomes one area; far-apart areas stay apart', () => {
  const clockBefore = { x: 1600, y: 10, w: 200, h: 120 };
  const clockAfter = { x: 1610, y: 10, w: 210, h: 120 };
  const ticker = { x: 190, y: 996, w: 1730, h: 84 };
  assert.deepEqual(redrawAreas([clockBefore, ticker, clockAfter], SCREEN), [
    { x: 1600, y: 10, w: 220, h: 120 },
    ticker,
  ]);
});

test('merging repeats until the boxes are disjoint: a merge can reach a third area', () => {
  // a and c are apart; b touches a; a∪b reaches c.
  const a = { x: 0, y: 0, w: 10, h: 10 };
  const c = { x: 30, y: 20, w: 10, h: 10 };
  const b = { x: 5, y: 5, w: 30, h: 16 };
  const areas = redrawAreas([a, c, b], SCREEN);
  assert.deepEqual(areas, [{ x: 0, y: 0, w: 40, h: 30 }]);
});

test('areas covering more than the whole-frame share are drawn as a whole frame', () => {
  const half = Math.ceil((SCREEN.height * WHOLE_FRAME_SHARE) + 1);
  assert.equal(redrawAreas([{ x: 0, y: 0, w: SCREEN.width, h: half }], SCREEN), 'whole');
  assert.notEqual(redrawAreas([{ x: 0, y: 0, w: SCREEN.width, h: half - 2 }], SCREEN), 'whole');
  // The P10 sign's scrolling line fills its whole panel.
  assert.equal(redrawAreas([{ x: 0, y: 0, w: 192, h: 64 }], { width: 192, height: 64 }), 'whole');
});
