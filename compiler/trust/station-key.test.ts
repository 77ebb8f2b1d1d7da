import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { keyId } from './station-key.ts';

// Key ids are printed on devices, stored in signatures and pinned at stations: they must not
// change. keyId reads the raw key from the SPKI encoding; it must equal the id taken from the
// JWK "x" as it always was, for generated keys and for keys read back from PEM.

test('a key id is the first 16 hex digits of sha256 over the raw 32-byte Ed25519 key, as from JWK x', () => {
  for (let i = 0; i < 20; i += 1) {
    const { publicKey } = generateKeyPairSync('ed25519');
    const fromJwk = createHash('sha256').update(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')).digest('hex').slice(0, 16);
    assert.equal(keyId(publicKey), fromJwk);
    assert.equal(keyId(createPublicKey(publicKey.export({ format: 'pem', type: 'spki' }))), fromJwk);
  }
});
