import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPublicKey } from '../../../compiler/trust/station-key.ts';
import { loadOrCreateDeviceIdentity } from '../../../player/core/device-identity.ts';
import { connectWebSocket, type ConnectSocket } from '../../../player/core/hub-socket.ts';
import { openPlayerDatabase } from '../../../player/core/player-database.ts';
import { DATABASE_FILE, startPlayer, type RunningPlayer } from '../../../player/core/player-runtime.ts';
import { processUsage, serve, sleep } from './ipc.ts';

// Real player cores (player/core/player-runtime.ts startPlayer), several per process, each with
// its own data directory and SQLite file, its own cron schedules, local server and hub socket.
// Their identity is created in their own database first (the player's own code), so the bench
// can pre-approve the key before the first hello, as an operator would.
//
// The only seam used is `connect`: the production WebSocket adapter, wrapped to count bytes.

interface Full {
  readonly dataDir: string;
  readonly screenId: string;
  player: RunningPlayer | undefined;
  blobBytes: number;
  totalBytes: number;
  blobBytesAtArm: number;
  totalBytesAtArm: number;
  offerAt: number | null;
  activatedAt: number | null;
  error: string | null;
}

const fulls: Full[] = [];
let target: Record<string, string> = {};

function countingConnect(full: Full): ConnectSocket {
  const inner = connectWebSocket();
  return (url, handlers) =>
    inner(url, {
      ...handlers,
      onText: (text) => {
        full.totalBytes += Buffer.byteLength(text, 'utf8');
        handlers.onText(text);
      },
      onBinary: (data) => {
        full.blobBytes += data.length;
        full.totalBytes += data.length;
        handlers.onBinary(data);
      },
    });
}

serve({
  usage: () => processUsage(),
  async init(params: { screens: string[]; dataRoot: string }) {
    const devices: { publicKeyPem: string; screenId: string }[] = [];
    for (const [index, screenId] of params.screens.entries()) {
      const dataDir = join(params.dataRoot, `player-${index}`);
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      const db = openPlayerDatabase({ path: join(dataDir, DATABASE_FILE) });
      try {
        devices.push({ publicKeyPem: loadOrCreateDeviceIdentity(db, Date.now()).publicKeyPem, screenId });
      } finally {
        db.close();
      }
      fulls.push({ dataDir, screenId, player: undefined, blobBytes: 0, totalBytes: 0, blobBytesAtArm: 0, totalBytesAtArm: 0, offerAt: null, activatedAt: null, error: null });
    }
    return devices;
  },

  async start(params: { hubUrl: string; stationPublicKeyPem: string }) {
    const stationPublicKey = loadPublicKey(params.stationPublicKeyPem);
    for (const full of fulls) {
      full.player = await startPlayer({
        hubUrl: params.hubUrl,
        dataDir: full.dataDir,
        screenId: full.screenId,
        stationPublicKey,
        connect: countingConnect(full),
        onSyncEvent: (event) => {
          const armed = target[full.screenId];
          if (!armed) return;
          if (event.type === 'downloading' && event.bundleId === armed && full.offerAt === null) full.offerAt = Date.now();
          if (event.type === 'activated' && event.result.activeId === armed) full.activatedAt = Date.now();
          if (event.type === 'bundle-refused' || event.type === 'download-failed' || event.type === 'protocol-error') {
            full.error = event.type === 'bundle-refused' ? event.error.message : event.type === 'download-failed' ? event.reason : event.message;
          }
        },
      });
    }
    return fulls.length;
  },

  arm(params: { target: Record<string, string> }) {
    target = params.target;
    for (const full of fulls) {
      full.offerAt = null;
      full.activatedAt = null;
      full.error = null;
      full.blobBytesAtArm = full.blobBytes;
      full.totalBytesAtArm = full.totalBytes;
    }
    return fulls.length;
  },

  /** How many players show the given bundle for their screen, and how many are online. */
  state(params: { bundles: Record<string, string> }) {
    let onBundle = 0;
    let online = 0;
    for (const full of fulls) {
      const state = full.player?.snapshot();
      if (state?.activeBundleId === params.bundles[full.screenId]) onBundle += 1;
      if (state?.online) online += 1;
    }
    return { players: fulls.length, onBundle, online };
  },

  progress() {
    let activated = 0;
    let errors = 0;
    for (const full of fulls) {
      if (full.activatedAt !== null) activated += 1;
      if (full.error !== null) errors += 1;
    }
    return { players: fulls.length, activated, errors };
  },

  results() {
    return fulls.map((full) => ({
      screenId: full.screenId,
      offerAt: full.offerAt,
      activatedAt: full.activatedAt,
      blobBytes: full.blobBytes - full.blobBytesAtArm,
      totalBytes: full.totalBytes - full.totalBytesAtArm,
      error: full.error,
      lastError: full.player?.snapshot().lastError ?? null,
    }));
  },

  async close() {
    const closing = Promise.all(fulls.map((full) => full.player?.close()));
    await Promise.race([closing, sleep(10_000)]);
    return fulls.length;
  },
});
