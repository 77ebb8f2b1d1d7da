import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratchDir } from '../support/paths.ts';
import { compareImages, decodePng, encodePng, GOLDEN_TOLERANCE, IDENTICAL, writeFailureImages, type RawImage } from './image-compare.ts';

// The comparison the goldens rely on, without a browser: what the tolerance lets through, what
// it does not, and the images a failure leaves behind.

function solid(width: number, height: number, rgba: [number, number, number, number]): RawImage {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { data, width, height };
}

function withPixels(image: RawImage, pixels: readonly [number, number][], rgba: [number, number, number, number]): RawImage {
  const data = Buffer.from(image.data);
  for (const [x, y] of pixels) data.set(rgba, (y * image.width + x) * 4);
  return { ...image, data };
}

test('differences within the channel threshold do not count; beyond it, up to 0.5% of the pixels may differ', () => {
  const base = solid(100, 100, [200, 40, 40, 255]);
  const nudged = withPixels(base, [[1, 1], [2, 2]], [210, 40, 40, 255]);
  const close = compareImages(base, nudged, GOLDEN_TOLERANCE);
  assert.deepEqual([close.pass, close.differing, close.touched, close.maxChannelDelta], [true, 0, 2, 10]);
  assert.equal(compareImages(base, nudged, IDENTICAL).pass, false, 'tolerance 0 sees every changed pixel');

  const fifty = Array.from({ length: 50 }, (_, i) => [i, 50] as [number, number]);
  const within = compareImages(base, withPixels(base, fifty, [0, 0, 0, 255]), GOLDEN_TOLERANCE);
  assert.deepEqual([within.pass, within.differing], [true, 50]);
  const beyond = compareImages(base, withPixels(base, [...fifty, [60, 50]], [0, 0, 0, 255]), GOLDEN_TOLERANCE);
  assert.deepEqual([beyond.pass, beyond.differing, beyond.where], [false, 51, { x: 0, y: 50, w: 61, h: 1 }]);
});

test('images of different sizes never match', () => {
  const result = compareImages(solid(10, 10, [0, 0, 0, 255]), solid(10, 11, [0, 0, 0, 255]), GOLDEN_TOLERANCE);
  assert.deepEqual([result.pass, result.sameSize], [false, false]);
});

test('a failure writes expected, actual and a diff with the changed pixels in red', async () => {
  const scratch = await scratchDir('image-compare');
  try {
    const expected = solid(20, 10, [255, 255, 255, 255]);
    const actual = withPixels(withPixels(expected, [[3, 4]], [0, 0, 0, 255]), [[5, 5]], [250, 250, 250, 255]);
    const diffPath = await writeFailureImages(scratch.path, 'scene', expected, actual, GOLDEN_TOLERANCE);
    assert.equal(diffPath, join(scratch.path, 'scene.diff.png'));
    const diff = await decodePng(await readFile(diffPath));
    const at = (x: number, y: number) => [...diff.data.subarray((y * 20 + x) * 4, (y * 20 + x) * 4 + 3)];
    assert.deepEqual(at(3, 4), [255, 0, 0], 'beyond the threshold: red');
    assert.deepEqual(at(5, 5), [255, 220, 0], 'within it: yellow');
    assert.deepEqual(at(0, 0), [64, 64, 64], 'unchanged: the expected picture, dimmed');
    assert.ok((await decodePng(await readFile(join(scratch.path, 'scene.actual.png')))).data.equals(actual.data));
    assert.ok((await decodePng(await readFile(join(scratch.path, 'scene.expected.png')))).data.equals(expected.data));
    // The encoder is lossless: a golden decodes to exactly the pixels it was made from.
    assert.ok((await decodePng(await encodePng(actual))).data.equals(actual.data));
  } finally {
    await scratch.cleanup();
  }
});
