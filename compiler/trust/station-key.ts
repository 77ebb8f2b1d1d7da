import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

// The station's Ed25519 key pair. The private key never leaves the station; players pin the
// public key at enrolment and refuse anything it did not sign. Key files are PEM (PKCS#8 and
// SPKI) so that operators can inspect them with openssl.

export interface StationKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export function generateStationKeyPair(): StationKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

export function loadPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 private key, got ${key.asymmetricKeyType}`);
  return key;
}

export function loadPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 public key, got ${key.asymmetricKeyType}`);
  return key;
}

/** Short, stable name of a public key: the first 16 hex digits of sha256 of its raw 32 bytes. */
export function keyId(publicKey: KeyObject): string {
  // The raw 32-byte key is the end of its SPKI encoding (a fixed 12-byte header for Ed25519).
  // Not JWK's "x", the same bytes: Node 20 can deadlock exporting a fresh key as JWK while the
  // garbage collector frees the job that generated it (seen in the sync bench's key making).
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

export interface DetachedSignature {
  readonly alg: 'ed25519';
  readonly keyId: string;
  /** base64 of the 64-byte signature over the signed file's exact bytes. */
  readonly signature: string;
}

export function signBytes(bytes: Uint8Array, privateKey: KeyObject): DetachedSignature {
  const publicKey = createPublicKey(privateKey);
  return { alg: 'ed25519', keyId: keyId(publicKey), signature: sign(null, bytes, privateKey).toString('base64') };
}

export function verifyBytes(bytes: Uint8Array, signature: DetachedSignature, publicKey: KeyObject): boolean {
  if (signature.alg !== 'ed25519') return false;
  const raw = Buffer.from(signature.signature, 'base64');
  if (raw.length !== 64) return false;
  return verify(null, bytes, publicKey, raw);
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
