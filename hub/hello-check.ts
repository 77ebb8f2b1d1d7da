import { verify, type KeyObject } from 'node:crypto';
import { parsePublicKey, rawPublicKey } from './public-key-cache.ts';
import type { z } from 'zod';
import { helloMessage, helloSigningText, WIRE_PROTOCOL_VERSION } from '../compiler/format/wire-messages.ts';
import { keyId } from '../compiler/trust/station-key.ts';

// A device proves who it is by signing the hub's fresh nonce with the key it made on first
// start. Its id is derived from that key (keyId), so nobody can claim an id without its key,
// and there is no password anywhere to leave at a default value.

export type HelloMessage = z.infer<typeof helloMessage>;

export type HelloVerdict =
  | { readonly ok: true; readonly publicKey: KeyObject }
  | { readonly ok: false; readonly reason: 'bad-signature' | 'protocol'; readonly message: string };

export { rawPublicKey };

export function checkHello(hello: HelloMessage, nonce: string): HelloVerdict {
  if (hello.protocol !== WIRE_PROTOCOL_VERSION) {
    return { ok: false, reason: 'protocol', message: `this hub speaks protocol ${WIRE_PROTOCOL_VERSION}, the player ${hello.protocol}; update the older side` };
  }
  let publicKey: KeyObject;
  try {
    publicKey = parsePublicKey(hello.publicKey);
  } catch {
    return { ok: false, reason: 'bad-signature', message: 'publicKey is not a PEM public key' };
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    return { ok: false, reason: 'bad-signature', message: `publicKey is ${publicKey.asymmetricKeyType}, not Ed25519` };
  }
  if (keyId(publicKey) !== hello.deviceId) {
    return { ok: false, reason: 'bad-signature', message: `deviceId ${hello.deviceId} is not the id of the key presented (${keyId(publicKey)})` };
  }
  const signature = Buffer.from(hello.signature, 'base64');
  const text = helloSigningText({ nonce, deviceId: hello.deviceId, screenId: hello.screenId });
  if (signature.length !== 64 || !verify(null, Buffer.from(text, 'utf8'), publicKey, signature)) {
    return { ok: false, reason: 'bad-signature', message: 'the signature over the challenge does not verify with the key presented' };
  }
  return { ok: true, publicKey };
}
