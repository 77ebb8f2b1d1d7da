import { createHash, verify, type KeyObject } from 'node:crypto';
import { loadPublicKey } from '../../../compiler/trust/station-key.ts';
import { createDeviceIdentity, ProtocolClient, type DeviceIdentity } from '../../support/protocol-client.ts';
import { processUsage, serve } from './ipc.ts';

// Lightweight players for the alert bench: each a real socket speaking the real protocol
// (hello signed with its own device key), which on every `emergency` statement checks the
// station's Ed25519 signature over the statement's bytes and answers `emergency-ack`
// (displayed for an alert to show, applied for a cancel). What a statement says is read once
// per process and shared by its players (the same bytes go to every player of a screen);
// the signature is checked by every player. Full player cores (full-worker.ts) do the whole
// verification, storage and decision, and acknowledge on their own.

interface Sim {
  readonly screenId: string;
  readonly identity: DeviceIdentity;
  readonly localAddress: string | undefined;
  client: ProtocolClient | undefined;
}

const sims: Sim[] = [];
let stationKey: KeyObject | undefined;
const statements = new Map<string, { id: string; kind: string }>();

function describe(statementB64: string): { id: string; kind: string } {
  let known = statements.get(statementB64);
  if (!known) {
    const bytes = Buffer.from(statementB64, 'base64');
    const parsed = JSON.parse(bytes.toString('utf8')) as { decision: { kind: string } };
    known = { id: createHash('sha256').update(bytes).digest('hex'), kind: parsed.decision.kind };
    statements.set(statementB64, known);
  }
  return known;
}

async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

function onEmergency(sim: Sim, message: { statement: string; signature: string }): void {
  const signature = JSON.parse(Buffer.from(message.signature, 'base64').toString('utf8')) as { signature: string };
  const ok = verify(null, Buffer.from(message.statement, 'base64'), stationKey!, Buffer.from(signature.signature, 'base64'));
  const statement = describe(message.statement);
  sim.client?.send({
    type: 'emergency-ack',
    statementId: statement.id,
    state: !ok ? 'refused' : statement.kind === 'show' ? 'displayed' : 'applied',
    atMs: Date.now(),
    ...(ok ? {} : { reason: 'signature does not verify' }),
  });
}

serve({
  usage: () => processUsage(),
  init(params: { screens: string[]; localAddresses: string[] }) {
    for (const [index, screenId] of params.screens.entries()) {
      sims.push({ screenId, identity: createDeviceIdentity(), localAddress: params.localAddresses[index % params.localAddresses.length], client: undefined });
    }
    return sims.map((sim) => ({ publicKeyPem: sim.identity.publicKeyPem, screenId: sim.screenId }));
  },
  async connect(params: { url: string; stationPublicKeyPem: string; concurrency: number }) {
    stationKey = loadPublicKey(params.stationPublicKeyPem);
    let failed = 0;
    await pool(sims, params.concurrency, async (sim) => {
      try {
        const { client, reply } = await ProtocolClient.connect({ url: params.url, identity: sim.identity, screenId: sim.screenId, validate: false, timeoutMs: 30_000, ...(sim.localAddress ? { localAddress: sim.localAddress } : {}) });
        if (reply.type !== 'welcome') throw new Error(`${reply.type}: ${reply.message}`);
        sim.client = client;
        client.ws.on('message', (data: Buffer, isBinary: boolean) => {
          if (isBinary || data[0] !== 0x7b) return;
          // Only emergencies are acted on; everything else stays in the client's inbox.
          const text = data.toString('utf8');
          if (!text.startsWith('{"type":"emergency"')) return;
          onEmergency(sim, JSON.parse(text) as { statement: string; signature: string });
        });
      } catch {
        failed += 1;
      }
    });
    return { connected: sims.length - failed, failed };
  },
  async close() {
    await Promise.all(sims.map(async (sim) => {
      sim.client?.ws.close(1000, 'bench done');
      if (sim.client) await Promise.race([sim.client.closed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    }));
    return sims.length;
  },
});
