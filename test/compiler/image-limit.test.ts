import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.ts';
import { CompileFailure } from '../../compiler/plan/compile-problem.ts';
import { SHARED_SAMPLES, scratchDir } from '../support/paths.ts';

// A picture larger than the configured pixel limit is refused before it is decoded, with an
// error naming the notice file and the image field (a 100-megapixel photo from a phone would
// otherwise take the station's memory).

test('a picture above the pixel limit fails naming the notice and the field', async () => {
  const scratch = await scratchDir('image-limit');
  try {
    await assert.rejects(
      compile({
        noticesDir: join(SHARED_SAMPLES, 'notices'),
        siteFile: join(SHARED_SAMPLES, 'site.yaml'),
        outDir: join(scratch.path, 'out'),
        atMs: Date.parse('2026-11-21T08:00:00+07:00'),
        cacheDir: join(scratch.path, 'cache'),
        maxImagePixels: 1_000_000, // the samples are 1.3–1.9 megapixels
      }),
      (error: unknown) => {
        assert.ok(error instanceof CompileFailure);
        const tooLarge = error.problems.filter((p) => p.code === 'IMAGE_TOO_LARGE');
        assert.ok(tooLarge.length >= 1, JSON.stringify(error.problems));
        assert.ok(tooLarge.some((p) => p.file.endsWith('tiem-chung-thang-12.md') && p.field === 'images[0]'));
        return true;
      },
    );
  } finally {
    await scratch.cleanup();
  }
});
