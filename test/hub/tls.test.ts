import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { scratchDir } from '../support/paths.ts';
import { ProtocolClient, createDeviceIdentity } from '../support/protocol-client.ts';
import { startTestHub } from './hub-fixture.ts';

// With a certificate the hub speaks wss://, which is what it must do beyond loopback; a
// client that does not trust the certificate does not get to talk to it.

let root: string;
let cleanup: () => Promise<void>;
let cert: string;
let key: string;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('hub-tls'));
  // A throwaway self-signed certificate for 127.0.0.1, made with the system's openssl.
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=signage-hub-test', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(root, 'hub.key'), '-out', join(root, 'hub.crt'),
  ], { stdio: 'ignore' });
  cert = await readFile(join(root, 'hub.crt'), 'utf8');
  key = await readFile(join(root, 'hub.key'), 'utf8');
});
after(() => cleanup());

test('with a certificate the hub listens on wss:// and a client that trusts it is served', async () => {
  const { hub } = await startTestHub(join(root, 'hub'), { tls: { cert, key } });
  try {
    assert.match(hub.url, /^wss:\/\/127\.0\.0\.1:\d+$/);
    const identity = createDeviceIdentity();
    const { reply } = await ProtocolClient.connect({ url: hub.url, identity, screenId: 'ubnd-sanh', ca: cert });
    assert.equal(reply.type === 'refused' && reply.reason, 'pending-approval');
    // Plain ws to the TLS port is not a way in.
    await assert.rejects(ProtocolClient.connect({ url: hub.url.replace('wss:', 'ws:'), identity, screenId: 'ubnd-sanh', timeoutMs: 2000 }));
    // Nor is TLS without trusting the hub's certificate.
    await assert.rejects(ProtocolClient.connect({ url: hub.url, identity, screenId: 'ubnd-sanh', timeoutMs: 2000 }), /self-signed|certificate/);
  } finally {
    await hub.close();
  }
});
