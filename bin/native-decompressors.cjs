// Node's zlib in place of the JavaScript decompressors fontkit and its Unicode tables use, for
// the compiled command line (compiled-cli.js). Each keeps the calling convention of the module
// it stands in for; DEFLATE and brotli are exact, so the bytes are the same.
'use strict';
const { brotliDecompressSync, inflateRawSync } = require('node:zlib');

/**
 * tiny-inflate: inflates raw DEFLATE `source` into `dest`; returns `dest`, or a copy of its
 * filled part when the data is shorter. Data beyond `dest` is dropped, as tiny-inflate's
 * writes past the end of a typed array are.
 */
function inflateRaw(source, dest) {
  const out = inflateRawSync(source);
  if (out.length >= dest.length) {
    dest.set(out.subarray(0, dest.length));
    return dest;
  }
  dest.set(out);
  return dest.slice(0, out.length);
}

/** brotli/decompress.js: the decompressed bytes of `buffer` as a Uint8Array. */
function brotliDecompress(buffer) {
  const out = brotliDecompressSync(buffer);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

module.exports = { inflateRaw, brotliDecompress };
