import { readFile, stat } from 'node:fs/promises';
import { DEFAULT_MAX_FEED_BYTES, type CapParseRefusal } from './parse-cap.ts';
import { parseTrustList, type TrustListResult } from './trust-list.ts';

// Effects at the CAP edge: read a file's bytes, bound their size before reading them, and
// decode them as UTF-8 strictly, so the pure parser only ever sees a bounded, valid string.

export type CapReadResult = { ok: true; text: string } | CapParseRefusal | { ok: false; code: 'CAP_UNREADABLE'; reason: string };

export async function readCapFile(file: string, maxBytes: number = DEFAULT_MAX_FEED_BYTES): Promise<CapReadResult> {
  let bytes: Buffer;
  try {
    // Checked before reading, so a huge file is never loaded into memory.
    const size = (await stat(file)).size;
    if (size > maxBytes) return { ok: false, code: 'CAP_TOO_LARGE', reason: `${file}: is ${size} bytes, over the ${maxBytes}-byte limit for CAP input; a real alert is a few kilobytes, so this is not read` };
    bytes = await readFile(file);
  } catch (error) {
    return { ok: false, code: 'CAP_UNREADABLE', reason: `${file}: cannot be read (${(error as Error).message}); check the path` };
  }
  return decodeCapBytes(bytes, file, maxBytes);
}

/** Decodes bytes received from a file or the network; `source` names them in refusals. */
export function decodeCapBytes(bytes: Uint8Array, source: string, maxBytes: number = DEFAULT_MAX_FEED_BYTES): CapReadResult {
  if (bytes.byteLength > maxBytes) return { ok: false, code: 'CAP_TOO_LARGE', reason: `${source}: is ${bytes.byteLength} bytes, over the ${maxBytes}-byte limit for CAP input` };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    // A lenient decoder would turn the bytes into U+FFFD and show a garbled warning.
    return { ok: false, code: 'CAP_MALFORMED_XML', reason: `${source}: is not valid UTF-8; CAP documents are read as UTF-8 only` };
  }
}

export async function readTrustList(file: string): Promise<TrustListResult | { ok: false; code: 'CAP_TRUST_LIST_UNREADABLE'; reason: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { ok: false, code: 'CAP_TRUST_LIST_UNREADABLE', reason: `${file}: cannot read the trust list (${(error as Error).message}); check the --trust path` };
  }
  return parseTrustList(text, file);
}
