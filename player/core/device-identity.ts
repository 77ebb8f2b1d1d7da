import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { helloSigningText } from '../../compiler/format/wire-messages.ts';
import { keyId } from '../../compiler/trust/station-key.ts';
import type { PlayerDatabase } from './player-database.ts';

// The device's own Ed25519 key pair, made on first start and kept in the player's database.
// There is no default credential anywhere: the hub learns the public key from the first hello
// and an operator approves that exact key. The device id is the key's keyId, so it cannot be
// claimed by a device that does not hold the private key.

export interface DeviceIdentity {
  readonly deviceId: string;
  readonly publicKeyPem: string;
  readonly privateKey: KeyObject;
}

interface IdentityRow {
  device_id: string;
  public_key_pem: string;
  private_key_pem: string;
}

export function loadOrCreateDeviceIdentity(db: PlayerDatabase, nowMs: number): DeviceIdentity {
  // One transaction: two processes started at once on a fresh data directory must end up
  // with one identity, not overwrite each other's.
  const row = db.transaction((): IdentityRow => {
    const existing = db.prepare<[], IdentityRow>('SELECT device_id, public_key_pem, private_key_pem FROM device_identity').get();
    if (existing) return existing;
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const created: IdentityRow = {
      device_id: keyId(publicKey),
      public_key_pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      private_key_pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    };
    db.prepare('INSERT INTO device_identity (singleton, device_id, public_key_pem, private_key_pem, created_ms) VALUES (1, ?, ?, ?, ?)').run(
      created.device_id,
      created.public_key_pem,
      created.private_key_pem,
      nowMs,
    );
    return created;
  }).immediate();
  const privateKey = createPrivateKey(row.private_key_pem);
  // A row edited by hand must not let the device claim an id that is not its key's.
  if (keyId(createPublicKey(privateKey)) !== row.device_id) throw new Error('the stored device identity is inconsistent: its id does not match its key');
  return { deviceId: row.device_id, publicKeyPem: row.public_key_pem, privateKey };
}

/** The hello signature: proves to the hub that this device holds its key, for this nonce. */
export function signHello(identity: DeviceIdentity, options: { nonce: string; screenId: string }): string {
  const text = helloSigningText({ nonce: options.nonce, deviceId: identity.deviceId, screenId: options.screenId });
  return sign(null, Buffer.from(text, 'utf8'), identity.privateKey).toString('base64');
}
