import { createPublicKey, type KeyObject } from 'node:crypto';

// Parsing a PEM public key was a quarter of the hub's CPU per hello (measured with 5,000
// reconnecting players): the same few thousand device keys arrive again and again, so parsed
// keys and their raw bytes are remembered, up to a bound.

const MAX_ENTRIES = 50_000;
const parsed = new Map<string, KeyObject>();
const raw = new WeakMap<KeyObject, string>();

/** createPublicKey(pem), remembered; throws like createPublicKey on a bad PEM. */
export function parsePublicKey(pem: string): KeyObject {
  let key = parsed.get(pem);
  if (!key) {
    key = createPublicKey(pem);
    if (parsed.size >= MAX_ENTRIES) parsed.delete(parsed.keys().next().value as string);
    parsed.set(pem, key);
  }
  return key;
}

/** Raw 32 bytes of an Ed25519 public key (base64url), for comparing keys whatever their PEM layout. */
export function rawPublicKey(key: KeyObject): string {
  let value = raw.get(key);
  if (value === undefined) {
    value = key.export({ format: 'jwk' }).x ?? '';
    raw.set(key, value);
  }
  return value;
}
