import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { BLOB_CHUNK_BYTES, type PlayRecord } from '../../compiler/format/wire-messages.ts';
import { sha256Hex } from '../../compiler/trust/station-key.ts';
import { scratchDir } from '../support/paths.ts';
import { ProtocolClient } from '../support/protocol-client.ts';
import { BIG_SCREEN, compileVersions, enrolAndConnect, eventually, manifestOf, startTestHub, within } from './hub-fixture.ts';

// The hub must stay up and small whatever a player does: messages are bounded and checked,
// a player that stops reading is dropped instead of buffered for, and dead peers go.

let root: string;
let cleanup: () => Promise<void>;
let compiled: string;
let dirs = 0;
const freshDir = (): string => join(root, `hub-${++dirs}`);

before(async () => {
  ({ path: root, cleanup } = await scratchDir('hub-limits'));
  compiled = (await compileVersions(root, ['2026-11-21T08:00:00+07:00']))[0]!;
});
after(() => cleanup());

function playBatch(bundleId: string, count: number): PlayRecord[] {
  return Array.from({ length: count }, (_, i) => ({ id: randomUUID(), bundleId, noticeId: 'tiep-cong-dan', pageId: 'p1', startMs: i * 10_000, endMs: i * 10_000 + 8000 }));
}

test('a player that stops reading is dropped once the hub holds more than maxBufferedBytes for it', async () => {
  const maxBufferedBytes = 4 * BLOB_CHUNK_BYTES;
  const { hub, logger } = await startTestHub(freshDir(), { maxBufferedBytes, heartbeatMs: 60_000 });
  try {
    await hub.publish(compiled);
    const { client } = await enrolAndConnect(hub, BIG_SCREEN);
    const offer = await client.next('offer');
    const big = manifestOf(offer).blobs.reduce((a, b) => (a.bytes > b.bytes ? a : b));
    client.pauseReading();
    // Far more than the kernel's socket buffers hold: the hub's writes start to queue.
    for (let i = 0; i < 60; i += 1) client.send({ type: 'get-blob', hash: big.hash, offset: 0 });
    // Acknowledgements keep coming for the batches it sends but does not read.
    for (let i = 0; i < 400 && !client.isClosed(); i += 1) {
      client.send({ type: 'plays', records: playBatch(offer.bundleId, 500) });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const { code } = await within(client.closed, { ms: 10_000, what: 'the player is dropped' });
    assert.equal(code, 1006, 'terminated: a player that does not read cannot take part in a close handshake');
    const dropped = logger.find('slow consumer: dropped');
    assert.ok(dropped, 'the drop is logged');
    const held = dropped.fields.bufferedBytes as number;
    // What it held at the end is the limit plus at most one message, not everything asked for.
    assert.ok(held > maxBufferedBytes && held < maxBufferedBytes + 2 * BLOB_CHUNK_BYTES, `held ${held} bytes`);
    assert.equal(hub.connectionCount(), 0);
  } finally {
    await hub.close();
  }
});

test('a player that reads gets everything it asks for, however much, in order', async () => {
  const { hub, logger } = await startTestHub(freshDir(), { maxBufferedBytes: 4 * BLOB_CHUNK_BYTES });
  try {
    await hub.publish(compiled);
    const { client } = await enrolAndConnect(hub, BIG_SCREEN);
    const big = manifestOf(await client.next('offer')).blobs.reduce((a, b) => (a.bytes > b.bytes ? a : b));
    const requests = 30;
    for (let i = 0; i < requests; i += 1) client.send({ type: 'get-blob', hash: big.hash, offset: 0 });
    for (let i = 0; i < requests; i += 1) {
      const parts: Buffer[] = [];
      for (let received = 0; received < big.bytes; ) {
        const chunk = await client.nextChunk();
        assert.equal(chunk.header.offset, received);
        parts.push(Buffer.from(chunk.bytes));
        received += chunk.bytes.length;
      }
      assert.equal(sha256Hex(Buffer.concat(parts)), big.hash);
    }
    assert.equal(logger.find('slow consumer: dropped'), undefined);
    assert.equal(client.isClosed(), false);
    await client.close();
  } finally {
    await hub.close();
  }
});

test('a peer that stops answering pings is terminated by the heartbeat; one that answers stays', async () => {
  // Long enough that a busy test machine does not starve the healthy peer's pong.
  const { hub, logger } = await startTestHub(freshDir(), { heartbeatMs: 400 });
  try {
    const { client: silent, identity } = await enrolAndConnect(hub, BIG_SCREEN);
    await silent.close();
    const dead = await ProtocolClient.connect({ url: hub.url, identity, screenId: BIG_SCREEN, autoPong: false });
    const { client: healthy } = await enrolAndConnect(hub, 'ubnd-sanh');
    assert.equal(dead.reply.type, 'welcome');
    const { code } = await within(dead.client.closed, { ms: 3000, what: 'the dead peer is terminated' });
    assert.equal(code, 1006);
    assert.ok(logger.find('no pong since the last heartbeat: terminating'));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // two more heartbeats
    assert.equal(healthy.isClosed(), false);
    await eventually(() => hub.devices().find((device) => device.id === identity.deviceId)?.online === false, 'the dead device is marked offline');
    await healthy.close();
  } finally {
    await hub.close();
  }
});

test('a message larger than maxPayloadBytes closes the connection (1009)', async () => {
  const { hub } = await startTestHub(freshDir(), { maxPayloadBytes: 64 * 1024 });
  try {
    const { client } = await enrolAndConnect(hub, BIG_SCREEN);
    client.sendRaw(JSON.stringify({ type: 'plays', records: [], padding: 'x'.repeat(100 * 1024) }));
    assert.equal((await within(client.closed, { ms: 2000, what: 'the connection closes' })).code, 1009);
  } finally {
    await hub.close();
  }
});

test('malformed or out-of-order messages close the connection with a policy code, and are logged', async () => {
  const { hub, logger } = await startTestHub(freshDir());
  try {
    const { client: first, identity } = await enrolAndConnect(hub, BIG_SCREEN);
    await first.close();
    const cases: [string, (client: ProtocolClient) => void, RegExp][] = [
      ['not JSON', (client) => client.sendRaw('{"type": "status",'), /not JSON/],
      ['fails the schema', (client) => client.sendRaw(JSON.stringify({ type: 'get-blob', hash: '../../etc/passwd', offset: 0 })), /invalid message: hash/],
      ['unknown type', (client) => client.sendRaw(JSON.stringify({ type: 'delete-everything' })), /invalid message/],
      ['binary frame', (client) => client.sendRaw(Buffer.from([1, 2, 3]), true), /binary frames/],
      ['a second hello', (client) => client.sendRaw(JSON.stringify({ type: 'hello', protocol: 1, deviceId: identity.deviceId, publicKey: identity.publicKeyPem, screenId: BIG_SCREEN, signature: 'AAAA', version: 'x' })), /second hello/],
    ];
    for (const [name, misbehave, logged] of cases) {
      const { client } = await ProtocolClient.connect({ url: hub.url, identity, screenId: BIG_SCREEN });
      misbehave(client);
      const refused = await client.next('refused');
      assert.equal(refused.reason, 'protocol', name);
      assert.equal((await within(client.closed, { ms: 2000, what: `${name} closes the connection` })).code, 1008, name);
      assert.ok(logger.entries.some((entry) => entry.message === 'protocol violation: closing' && logged.test(String(entry.fields.why))), `${name} is logged`);
    }
  } finally {
    await hub.close();
  }
});

test('nothing but a hello is accepted before the hello', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    await hub.publish(compiled);
    const ws = new WebSocket(hub.url);
    const messages: string[] = [];
    ws.on('message', (data) => {
      messages.push(data.toString());
      if (messages.length === 1) ws.send(JSON.stringify({ type: 'get-blob', hash: 'a'.repeat(64), offset: 0 }));
    });
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    assert.equal(code, 1008);
    assert.equal(JSON.parse(messages[0]!).type, 'challenge');
    assert.match(JSON.parse(messages[1]!).message, /before the hello/);
  } finally {
    await hub.close();
  }
});
