import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { helloSigningText } from '../../compiler/format/wire-messages.ts';
import { HubDatabase } from '../../hub/hub-database.ts';
import { HubConfigError, startHub } from '../../hub/hub-server.ts';
import { scratchDir } from '../support/paths.ts';
import { ProtocolClient, createDeviceIdentity } from '../support/protocol-client.ts';
import { enrolAndConnect, eventually, startTestHub, stationPublicKey, within } from './hub-fixture.ts';

// No default credentials: a device is known by the key it made itself, proves it holds that
// key on every connection, and gets nothing until an operator has approved it.

let root: string;
let cleanup: () => Promise<void>;
let dirs = 0;
const freshDir = (): string => join(root, `hub-${++dirs}`);

before(async () => {
  ({ path: root, cleanup } = await scratchDir('hub-enrol'));
});
after(() => cleanup());

test('an unknown device is stored as pending and refused; once approved it is welcomed', async () => {
  const { hub, logger } = await startTestHub(freshDir());
  try {
    const identity = createDeviceIdentity();
    const first = await ProtocolClient.connect({ url: hub.url, identity, screenId: 'ubnd-sanh', version: '1.2.3' });
    assert.equal(first.reply.type, 'refused');
    assert.equal(first.reply.type === 'refused' && first.reply.reason, 'pending-approval');
    assert.match(first.reply.type === 'refused' ? first.reply.message : '', new RegExp(`devices approve ${identity.deviceId}`));
    assert.equal((await first.client.closed).code, 4000);
    const [pending] = hub.devices();
    assert.equal(pending?.id, identity.deviceId);
    assert.equal(pending?.state, 'pending');
    assert.equal(pending?.screenId, 'ubnd-sanh');
    assert.equal(pending?.publicKeyPem, identity.publicKeyPem);
    assert.equal(pending?.online, false);
    assert.ok(logger.entries.some((entry) => entry.message === 'refused' && entry.fields.reason === 'pending-approval'));

    // Asking again while pending is remembered, not duplicated.
    await (await ProtocolClient.connect({ url: hub.url, identity, screenId: 'ubnd-sanh' })).client.closed;
    assert.equal(hub.devices().length, 1);
    assert.equal(hub.devices()[0]?.enrolmentAttempts, 2);

    hub.approveDevice(identity.deviceId);
    const second = await ProtocolClient.connect({ url: hub.url, identity, screenId: 'ubnd-sanh' });
    assert.deepEqual(second.reply, { type: 'welcome', deviceId: identity.deviceId, screenId: 'ubnd-sanh' });
    assert.equal(hub.devices()[0]?.online, true);
    assert.equal(Math.abs(second.challenge.hubTimeMs - Date.now()) < 5000, true);
    await second.client.close();
    await eventually(() => hub.devices()[0]?.online === false, 'the device is marked offline');
  } finally {
    await hub.close();
  }
});

test('a revoked device is refused, and revoking a connected device disconnects it', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    const { client, identity } = await enrolAndConnect(hub, 'ubnd-sanh');
    hub.revokeDevice(identity.deviceId);
    assert.equal((await client.next('refused')).reason, 'revoked');
    await within(client.closed, { ms: 2000, what: 'the revoked device is disconnected' });
    const again = await ProtocolClient.connect({ url: hub.url, identity, screenId: 'ubnd-sanh' });
    assert.equal(again.reply.type === 'refused' && again.reply.reason, 'revoked');
    assert.equal(hub.devices()[0]?.state, 'revoked');
  } finally {
    await hub.close();
  }
});

test('a signature that does not verify is refused and nothing is stored', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    const identity = createDeviceIdentity();
    const impostor = createDeviceIdentity();
    const { reply } = await ProtocolClient.connect({
      url: hub.url,
      identity,
      screenId: 'ubnd-sanh',
      // Signed by another key: the claim is identity's, the proof is not.
      alterHello: (hello) => ({ ...hello, signature: sign(null, Buffer.from('anything'), impostor.privateKey).toString('base64') }),
    });
    assert.equal(reply.type === 'refused' && reply.reason, 'bad-signature');
    assert.deepEqual(hub.devices(), []);
  } finally {
    await hub.close();
  }
});

test('a signature over another nonce (a replayed hello) is refused', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    const { client, identity } = await enrolAndConnect(hub, 'ubnd-sanh');
    await client.close();
    const { reply } = await ProtocolClient.connect({
      url: hub.url,
      identity,
      screenId: 'ubnd-sanh',
      alterHello: (hello) => ({
        ...hello,
        signature: sign(null, Buffer.from(helloSigningText({ nonce: 'b2xkIG5vbmNl', deviceId: identity.deviceId, screenId: 'ubnd-sanh' })), identity.privateKey).toString('base64'),
      }),
    });
    assert.equal(reply.type === 'refused' && reply.reason, 'bad-signature');
  } finally {
    await hub.close();
  }
});

test('a device id that is not the id of the key presented is refused', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    // An approved device's id, claimed with another key that signs correctly.
    const { client, identity: victim } = await enrolAndConnect(hub, 'ubnd-sanh');
    const attacker = createDeviceIdentity();
    const { reply } = await ProtocolClient.connect({
      url: hub.url,
      identity: { ...attacker, deviceId: victim.deviceId },
      screenId: 'ubnd-sanh',
    });
    assert.equal(reply.type === 'refused' && reply.reason, 'bad-signature');
    assert.match(reply.type === 'refused' ? reply.message : '', /not the id of the key/);
    // The victim's connection is untouched.
    assert.equal(client.isClosed(), false);
    await client.close();

    // An id nobody has yet, claimed with a key it does not derive from: not even stored as pending.
    const unknown = await ProtocolClient.connect({ url: hub.url, identity: { ...attacker, deviceId: '0123456789abcdef' }, screenId: 'ubnd-sanh' });
    assert.equal(unknown.reply.type === 'refused' && unknown.reply.reason, 'bad-signature');
    assert.deepEqual(hub.devices().map((device) => device.id), [victim.deviceId]);
  } finally {
    await hub.close();
  }
});

test('a device approved for one screen is refused when it asks for another', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    const { client, identity } = await enrolAndConnect(hub, 'ubnd-sanh');
    await client.close();
    const { reply } = await ProtocolClient.connect({ url: hub.url, identity, screenId: 'cong-xa' });
    assert.equal(reply.type === 'refused' && reply.reason, 'unknown-screen');
    assert.equal(hub.devices()[0]?.screenId, 'ubnd-sanh');
  } finally {
    await hub.close();
  }
});

test('a second connection of a device replaces the first', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    const { client: first, identity } = await enrolAndConnect(hub, 'ubnd-sanh');
    const second = await ProtocolClient.connect({ url: hub.url, identity, screenId: 'ubnd-sanh' });
    assert.equal(second.reply.type, 'welcome');
    assert.equal((await first.next('refused')).reason, 'replaced');
    await within(first.closed, { ms: 2000, what: 'the replaced connection closes' });
    // The old socket closing must not mark the device offline: the new one is live.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(hub.devices()[0]?.online, true);
    assert.equal(second.client.isClosed(), false);
    await second.client.close();
  } finally {
    await hub.close();
  }
});

test('enrolment attempts are rate limited per address; approved devices are not', async () => {
  const { hub } = await startTestHub(freshDir(), { enrolmentRatePerMinute: 3 });
  try {
    const { client, identity } = await enrolAndConnect(hub, 'ubnd-sanh'); // spends 1 attempt of 127.0.0.1
    await client.close();
    const attempt = async (localAddress: string): Promise<string> => {
      const { reply } = await ProtocolClient.connect({ url: hub.url, identity: createDeviceIdentity(), screenId: 'ubnd-sanh', localAddress });
      return reply.type === 'refused' ? reply.reason : reply.type;
    };
    const reasons: string[] = [];
    for (let i = 0; i < 4; i += 1) reasons.push(await attempt('127.0.0.1'));
    assert.deepEqual(reasons, ['pending-approval', 'pending-approval', 'rate-limited', 'rate-limited']);
    assert.equal(hub.devices().length, 3, 'a rate-limited attempt stores nothing');
    // Another machine is not punished for the first one's attempts.
    assert.equal(await attempt('127.0.0.2'), 'pending-approval');
    // The approved device still gets in while its address is over the enrolment rate.
    for (let i = 0; i < 3; i += 1) {
      const again = await ProtocolClient.connect({ url: hub.url, identity, screenId: 'ubnd-sanh' });
      assert.equal(again.reply.type, 'welcome');
      await again.client.close();
    }
  } finally {
    await hub.close();
  }
});

test('the global enrolment limit holds across addresses', async () => {
  const { hub } = await startTestHub(freshDir(), { enrolmentRatePerMinute: 100, enrolmentGlobalRatePerMinute: 2 });
  try {
    const reasons: string[] = [];
    for (const localAddress of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
      const { reply } = await ProtocolClient.connect({ url: hub.url, identity: createDeviceIdentity(), screenId: 'ubnd-sanh', localAddress });
      reasons.push(reply.type === 'refused' ? reply.reason : reply.type);
    }
    assert.deepEqual(reasons, ['pending-approval', 'pending-approval', 'rate-limited']);
  } finally {
    await hub.close();
  }
});

test('approval and revocation by another process (signage hub devices) reach the running hub', async () => {
  const dataDir = freshDir();
  const { hub } = await startTestHub(dataDir);
  try {
    const identity = createDeviceIdentity();
    await (await ProtocolClient.connect({ url: hub.url, identity, screenId: 'ubnd-kiosk' })).client.closed;
    const other = HubDatabase.open(join(dataDir, 'hub.sqlite'));
    try {
      other.setDeviceState(identity.deviceId, 'approved');
      const { client, reply } = await ProtocolClient.connect({ url: hub.url, identity, screenId: 'ubnd-kiosk' });
      assert.equal(reply.type, 'welcome');
      other.setDeviceState(identity.deviceId, 'revoked');
      assert.equal((await client.next('refused', 3000)).reason, 'revoked');
      await within(client.closed, { ms: 2000, what: 'the revoked device is disconnected' });
    } finally {
      other.close();
    }
  } finally {
    await hub.close();
  }
});

test('a connection that sends no hello is closed', async () => {
  const { hub, logger } = await startTestHub(freshDir(), { helloTimeoutMs: 200 });
  try {
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(hub.url);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    assert.equal(await within(closed, { ms: 2000, what: 'the silent connection is closed' }), 1008);
    assert.ok(logger.entries.some((entry) => entry.message === 'refused' && String(entry.fields.message).includes('no hello')));
  } finally {
    await hub.close();
  }
});

test('plain ws is refused on a network address unless explicitly allowed', async () => {
  await assert.rejects(
    startHub({ dataDir: freshDir(), host: '0.0.0.0', port: 0, stationPublicKey }),
    (error: unknown) => error instanceof HubConfigError && error.code === 'HUB_PLAIN_ON_NETWORK',
  );
  const hub = await startHub({ dataDir: freshDir(), host: '0.0.0.0', port: 0, stationPublicKey, allowPlainOnNetwork: true });
  assert.match(hub.url, /^ws:\/\/0\.0\.0\.0:\d+$/);
  await hub.close();
});
