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

function hashAt(bytes: Uint8Array, at: number): number {
  let hash = 0;
  for (let k = 0; k < MATCH_BYTES; k += 1) hash = (Math.imul(hash, 31) + bytes[at + k]!) | 0;
  return hash;
}

function writeVarint(out: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

/** Greedy delta of `target` against `base` (first occurrence of each 12-byte window). */
export function encodeByteDelta(base: Uint8Array, target: Uint8Array): Uint8Array {
  const index = new Map<number, number>();
  for (let i = 0; i + MATCH_BYTES <= base.length; i += 1) {
    const hash = hashAt(base, i);
    if (!index.has(hash)) index.set(hash, i);
  }
  const out: number[] = [];
  writeVarint(out, target.length);
  let literalStart = 0;
  let at = 0;
  while (at + MATCH_BYTES <= target.length) {
    const candidate = index.get(hashAt(target, at));
    let length = 0;
    if (candidate !== undefined) {
      while (candidate + length < base.length && at + length < target.length && base[candidate + length] === target[at + length]) length += 1;
    }
    if (candidate === undefined || length < MATCH_BYTES) {
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
