import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import * as fontkit from 'fontkit';

// The compiled command line gives fontkit Node's zlib in place of tiny-inflate and brotli's
// JavaScript decoder (compiled-cli.js). Both stand-ins must return what the originals return.

const require = createRequire(import.meta.url);
const native = require('./native-decompressors.cjs') as {
  inflateRaw(source: Uint8Array, dest: Uint8Array): Uint8Array;
  brotliDecompress(buffer: Uint8Array, outSize?: number): Uint8Array;
};
const tinyInflate = require('tiny-inflate') as (source: Uint8Array, dest: Uint8Array) => Uint8Array;
const jsBrotli = require('brotli/decompress.js') as (buffer: Uint8Array, outSize?: number) => Uint8Array;
const FONT_DIR = fileURLToPath(new URL('../assets/fonts/', import.meta.url));

test('inflateRaw returns what tiny-inflate returns: a full buffer, a shorter stream, a longer one', () => {
  const text = new TextEncoder().encode('Cảnh báo lũ quét, sạt lở đất. '.repeat(400));
  const deflated = deflateRawSync(text);
  for (const size of [text.length, text.length + 100, text.length - 100]) {
    const theirs = tinyInflate(deflated, new Uint8Array(size));
    const ours = native.inflateRaw(deflated, new Uint8Array(size));
    assert.equal(ours.constructor, theirs.constructor, `size ${size}`);
    assert.deepEqual(Buffer.from(ours), Buffer.from(theirs), `size ${size}`);
  }
});

test('brotliDecompress returns what brotli/decompress.js returns for every shipped WOFF2 font', async () => {
  const names = (await readdir(FONT_DIR)).filter((name) => name.endsWith('.woff2'));
  assert.ok(names.length >= 12, names.join(', '));
  for (const name of names) {
    const bytes = await readFile(FONT_DIR + name);
    // Where fontkit's WOFF2 reader finds the one brotli stream of all tables.
    const font = fontkit.create(bytes) as unknown as { _dataPos: number; directory: { totalCompressedSize: number } };
    const compressed = bytes.subarray(font._dataPos, font._dataPos + font.directory.totalCompressedSize);
    const theirs = jsBrotli(compressed);
    const ours = native.brotliDecompress(compressed);
    assert.ok(theirs.length > 0, name);
    assert.equal(ours.constructor, theirs.constructor, name);
    assert.ok(Buffer.from(ours).equals(Buffer.from(theirs)), `${name}: the inflated tables differ`);
  }
});
