import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as fontkit from 'fontkit';
import { FONT_WEIGHTS, fontFileName } from '../format/font-faces.ts';
import { loadFontMeasurer, type FontMeasurer } from './font-measurer.ts';

const FONT_DIR = fileURLToPath(new URL('../../assets/fonts/', import.meta.url));
const SENTENCE = 'Ủy ban nhân dân xã Ia Drăng';

let m: FontMeasurer;
before(async () => {
  m = await loadFontMeasurer();
});

async function openFile(subset: 'vietnamese' | 'latin' | 'latin-ext', weight: 400 | 800): Promise<fontkit.Font> {
  return fontkit.create(await readFile(FONT_DIR + fontFileName(subset, weight))) as fontkit.Font;
}

test('a sentence measures as the sum of its words and spaces', () => {
  for (const weight of FONT_WEIGHTS) {
    const whole = m.width(SENTENCE, weight, 1);
    const words = SENTENCE.split(' ');
    const parts = words.reduce((sum, w) => sum + m.width(w, weight, 1), 0) + (words.length - 1) * m.width(' ', weight, 1);
    assert.ok(whole > 10 && whole < 20, `width ${whole} em`);
    // No kerning pairs involve the space, so the two agree to rounding error (text-fit relies on it).
    assert.ok(Math.abs(whole - parts) < 1e-9, `${weight}: ${whole} vs ${parts}`);
  }
  assert.equal(m.width(' ', 400, 1), 0.23);
});

test('kerning inside a run is applied', () => {
  const pair = m.width('AV', 400, 1);
  const apart = m.width('A', 400, 1) + m.width('V', 400, 1);
  assert.ok(pair < apart - 0.05, `AV ${pair} em, A + V ${apart} em`);
});

test('ắ is measured with the vietnamese file, which is the only one that has it', async () => {
  const vietnamese = await openFile('vietnamese', 400);
  const latin = await openFile('latin', 400);
  assert.equal(latin.hasGlyphForCodePoint(0x1eaf), false);
  const advance = vietnamese.glyphForCodePoint(0x1eaf).advanceWidth / vietnamese.unitsPerEm;
  assert.equal(m.width('ắ', 400, 1), advance);
  assert.equal(advance, 0.653);
  // With the wrong file it would be .notdef's 0.5 em.
  assert.notEqual(m.width('ắ', 400, 1), 0.5);
  assert.deepEqual(m.missingGlyphs('ắ'), []);
});

test('a word mixing subsets is the sum of its per-file runs', async () => {
  // "Drăng": D r (latin) ă (vietnamese) n g (latin); no kerning across files, as in the browser.
  const vietnamese = await openFile('vietnamese', 800);
  const latin = await openFile('latin', 800);
  const expected = (latin.layout('Dr').advanceWidth + vietnamese.layout('ă').advanceWidth + latin.layout('ng').advanceWidth) / 1000;
  assert.equal(m.width('Drăng', 800, 1), expected);
});

test('NFD text measures like NFC', () => {
  const nfc = 'Kế hoạch phát triển thông tin cơ sở, Ủy ban nhân dân xã Ia Drăng; ẮẰẲẴẶ ỨỪỬỮỰ';
  const nfd = nfc.normalize('NFD');
  assert.notEqual(nfd, nfc);
  for (const weight of FONT_WEIGHTS) assert.equal(m.width(nfd, weight, 20), m.width(nfc, weight, 20));
  assert.equal(m.width('e\u0302\u0301', 400, 1), m.width('ế', 400, 1));
  assert.deepEqual(m.missingGlyphs(nfd), []);
});

test('width scales linearly with the size', () => {
  const one = m.width(SENTENCE, 700, 1);
  for (const size of [12, 24, 37, 100]) assert.ok(Math.abs(m.width(SENTENCE, 700, size) - one * size) < 1e-9);
  assert.equal(m.width('', 400, 30), 0);
});

test('characters no file has are reported once each, in order', () => {
  assert.deepEqual(m.missingGlyphs(SENTENCE), []);
  assert.deepEqual(m.missingGlyphs('Thông báo 中文 中 ₫ € – “x”'), ['中', '文']);
  // U+0302 only composes with a, e, o; on x it stays a lone mark that no subset range covers.
  assert.deepEqual(m.missingGlyphs('x\u0302'), ['\u0302']);
  assert.deepEqual(m.missingGlyphs('dòng 1\ndòng 2\t.'), []);
});

test('glyph extents follow the outlines', () => {
  const tall = m.glyphExtents('Ẳ', 400);
  assert.equal(tall.yMaxEm, 1.199);
  assert.equal(tall.yMinEm, 0);
  const low = m.glyphExtents('ậ', 800);
  assert.ok(low.yMinEm < -0.2 && low.yMaxEm < 1, JSON.stringify(low));
  assert.deepEqual(m.glyphExtents(' ', 400), { yMaxEm: 0, yMinEm: 0 });
  assert.ok(m.glyphExtents('Ẳ', 800).yMaxEm > tall.yMaxEm);
});

test('repeated words come from the cache: no second fontkit layout, at any size', async () => {
  const words = 'Thực hiện Chiến lược phát triển lĩnh vực thông tin cơ sở'.split(' ');
  const first = words.map((w) => m.width(w, 400, 1));
  // Every fontkit font shares its class's layout(): count the calls made while measuring again.
  const sample = fontkit.create(await readFile(fileURLToPath(new URL(`../../assets/fonts/${fontFileName('vietnamese', 400)}`, import.meta.url))));
  const proto = Object.getPrototypeOf(sample) as { layout: (...args: unknown[]) => unknown };
  const original = proto.layout;
  let layouts = 0;
  proto.layout = function (this: unknown, ...args: unknown[]) {
    layouts += 1;
    return original.apply(this, args);
  };
  try {
    for (let i = 0; i < 1000; i++) {
      const w = i % words.length;
      assert.equal(m.width(words[w]!, 400, 24), first[w]! * 24);
    }
    assert.equal(layouts, 0, `${layouts} layouts for words already measured`);
    m.width('chưa đo bao giờ', 400, 24);
    assert.ok(layouts > 0, 'a new string is laid out (the spy sees layouts)');
  } finally {
    proto.layout = original;
  }
});
