import { blobChunkHeader, type BlobChunkHeader } from '../../compiler/format/wire-messages.ts';

// Binary frames of the wire protocol: a 4-byte big-endian header length, that many bytes of
// JSON BlobChunkHeader, then the chunk's bytes (see compiler/format/wire-messages.ts).

/** No sane header is this long; a larger claimed length is a broken or hostile frame. */
const MAX_HEADER_BYTES = 1024;

export class ChunkFrameError extends Error {
  override readonly name = 'ChunkFrameError';
}

export function decodeBlobChunk(frame: Uint8Array): { header: BlobChunkHeader; data: Uint8Array } {
  if (frame.length < 4) throw new ChunkFrameError(`binary frame of ${frame.length} bytes is shorter than its length prefix`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headerLength = view.getUint32(0, false);
  if (headerLength > MAX_HEADER_BYTES || 4 + headerLength > frame.length) {
    throw new ChunkFrameError(`binary frame claims a ${headerLength}-byte header in ${frame.length} bytes`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(frame.buffer, frame.byteOffset + 4, headerLength).toString('utf8'));
  } catch {
    throw new ChunkFrameError('binary frame header is not JSON');
  }
  const parsed = blobChunkHeader.safeParse(raw);
  if (!parsed.success) throw new ChunkFrameError(`binary frame header: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return { header: parsed.data, data: frame.subarray(4 + headerLength) };
}

/** The hub's side of the framing; the player only decodes, but tests and tools build frames. */
export function encodeBlobChunk(header: BlobChunkHeader, data: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(json.length, 0);
  return Buffer.concat([prefix, json, data]);
}
