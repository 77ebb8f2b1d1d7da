// A byte delta: a target expressed as literal bytes and copies from a base the receiver
// already holds. The hub sends a new manifest and schedule as a delta from the bundle the
// player shows: one edited notice changes a few hundred bytes of a 30 KB manifest, and the
// offer should not cost more than the picture that changed. Nothing here is trusted: the
// receiver checks the result against the bundle id and the station's signature, so a wrong
// or hostile delta can only produce bytes that are then refused.
//
// Format (all integers unsigned LEB128 varints):
//   delta  := targetLength op*
//   op     := literalLength literalBytes [copyOffset copyLength]
// Ops repeat until targetLength bytes have been produced; the copy part of an op is absent
// when the literal reaches the end of the target.

export class ByteDeltaError extends Error {
  override readonly name = 'ByteDeltaError';
}

/** Bytes hashed to find a match; shorter matches are sent as literals. */
const MATCH_BYTES = 12;
/** 31^MATCH_BYTES modulo 2^32: what the byte leaving a rolling window weighs in its hash. */
const LEAVING_WEIGHT = Array.from({ length: MATCH_BYTES }).reduce<number>((weight) => Math.imul(weight, 31), 1);

/** Hash of the MATCH_BYTES bytes at `at` (polynomial in base 31, modulo 2^32). */
function hashAt(bytes: Uint8Array, at: number): number {
  let hash = 0;
  for (let k = 0; k < MATCH_BYTES; k += 1) hash = (Math.imul(hash, 31) + bytes[at + k]!) | 0;
  return hash;
}

/** The hash of the window one byte further on: O(1) instead of hashing MATCH_BYTES again. */
function rollHash(hash: number, leaving: number, entering: number): number {
  return (Math.imul(hash, 31) - Math.imul(leaving, LEAVING_WEIGHT) + entering) | 0;
}

function writeVarint(out: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

/**
 * Where in `base` each window hash first occurs: a direct-mapped table (no probing) of
 * positions + 1 (0: none) indexed by the hash's low bits. A slot keeps its first window; a window whose slot is taken
 * is not indexed. A false match costs one comparison, and a lost one some literal bytes.
 */
function indexWindows(base: Uint8Array): { slots: Int32Array; mask: number } {
  let size = 1024;
  while (size < base.length * 2) size *= 2;
  const slots = new Int32Array(size);
  const mask = size - 1;
  if (base.length < MATCH_BYTES) return { slots, mask };
  let hash = hashAt(base, 0);
  for (let i = 0; ; i += 1) {
    const slot = hash & mask;
    if (slots[slot] === 0) slots[slot] = i + 1;
    if (i + MATCH_BYTES >= base.length) break;
    hash = rollHash(hash, base[i]!, base[i + MATCH_BYTES]!);
  }
  return { slots, mask };
}

/**
 * Greedy delta of `target` against `base`. The hub encodes one per screen and document at
 * every publish, before any player hears of it, so it runs in linear time: rolling hashes and
 * a typed-array index (a 35 KB manifest takes well under a millisecond).
 */
export function encodeByteDelta(base: Uint8Array, target: Uint8Array): Uint8Array {
  const { slots, mask } = indexWindows(base);
  const out: number[] = [];
  writeVarint(out, target.length);
  let literalStart = 0;
  let at = 0;
  let hash = target.length >= MATCH_BYTES ? hashAt(target, 0) : 0;
  while (at + MATCH_BYTES <= target.length) {
    const candidate = slots[hash & mask]! - 1;
    let length = 0;
    if (candidate >= 0) {
      while (candidate + length < base.length && at + length < target.length && base[candidate + length] === target[at + length]) length += 1;
    }
    if (length < MATCH_BYTES) {
      if (at + MATCH_BYTES < target.length) hash = rollHash(hash, target[at]!, target[at + MATCH_BYTES]!);
      at += 1;
      continue;
    }
    // Extend backwards into the pending literal: the hash only finds the start of a window.
    let back = 0;
    while (at - back > literalStart && candidate - back > 0 && base[candidate - back - 1] === target[at - back - 1]) back += 1;
    const copyAt = at - back;
    writeVarint(out, copyAt - literalStart);
    for (let k = literalStart; k < copyAt; k += 1) out.push(target[k]!);
    writeVarint(out, candidate - back);
    writeVarint(out, length + back);
    at = copyAt + length + back;
    literalStart = at;
    if (at + MATCH_BYTES <= target.length) hash = hashAt(target, at);
  }
  if (literalStart < target.length || target.length === 0) {
    writeVarint(out, target.length - literalStart);
    for (let k = literalStart; k < target.length; k += 1) out.push(target[k]!);
  }
  return Uint8Array.from(out);
}

/** Rebuilds the target; throws ByteDeltaError on a malformed delta or one over `maxBytes`. */
export function applyByteDelta(base: Uint8Array, delta: Uint8Array, maxBytes: number): Uint8Array {
  let at = 0;
  const readVarint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 7; i += 1) {
      if (at >= delta.length) throw new ByteDeltaError('delta ends inside a number');
      const byte = delta[at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw new ByteDeltaError('delta holds a number longer than 7 bytes');
  };
  const length = readVarint();
  if (length > maxBytes) throw new ByteDeltaError(`delta target of ${length} bytes is over the ${maxBytes}-byte limit`);
  const target = new Uint8Array(length);
  let written = 0;
  for (;;) {
    const literal = readVarint();
    if (literal > length - written || literal > delta.length - at) throw new ByteDeltaError('delta literal runs past its end or the target');
    target.set(delta.subarray(at, at + literal), written);
    at += literal;
    written += literal;
    if (written === length) break;
    const offset = readVarint();
    const copy = readVarint();
    if (copy === 0 || offset + copy > base.length || copy > length - written) throw new ByteDeltaError('delta copy runs past the base or the target');
    target.set(base.subarray(offset, offset + copy), written);
    written += copy;
    if (written === length && at === delta.length) break;
  }
  if (at !== delta.length) throw new ByteDeltaError('delta has bytes after its target is complete');
  return target;
}
