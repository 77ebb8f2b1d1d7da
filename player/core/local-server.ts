import { createServer, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { BundleStore } from './bundle-store.ts';
import type { Logger } from '../../compiler/format/logger.ts';
import type { EmergencyOnScreen } from './emergency-controller.ts';
import type { OnScreen } from './playback.ts';

// The renderer's only source of content: the active bundle and its blobs, served on the
// loopback interface and nowhere else (signage systems that served their media folder to the
// whole network are part of why boards get defaced). Routes:
//   GET /api/current       { bundleId, brightnessBy, clockCorrectionMs, manifest, schedule,
//                          blobsUrl } of the active bundle; brightnessBy "panel" when a
//                          brightness command dims the panel, "renderer" when the page must dim
//                          the picture itself; clockCorrectionMs what the page adds to its own
//                          clock to draw at the time the core plays by (trusted-clock.ts)
//   GET /blobs/<sha256>    a blob of the active or previous bundle, nothing else
//   GET /api/emergency     { revision, takeover, banner }: the emergency on screen now, if any
//                          (takeover: manifest and schedule to play instead of the content;
//                          banner: scene nodes to draw over it); see emergency-controller.ts
//   GET /events            Server-Sent Events: `bundle` when the active bundle changes,
//                          `playback` when the mode or brightness changes, `emergency` when
//                          an emergency goes on or off screen, `clock` when the correction
//                          of the system clock changes
//   GET /…                 the renderer page's static files, when a directory is given
// The event is written in the same tick as the activation commit, so the renderer learns of
// a new bundle within a frame.

export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '::1'];

export class LocalServerBindError extends Error {
  override readonly name = 'LocalServerBindError';
}

export interface LocalServerOptions {
  readonly store: BundleStore;
  readonly logger: Logger;
  /** Must be a loopback address; anything else is refused. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** The built renderer page (a directory with index.html), served at /. */
  readonly rendererDir?: string;
  /** What is on screen now, sent to each new event subscriber. */
  readonly onScreen?: () => OnScreen;
  /** Keep-alive comments on idle event streams. */
  readonly heartbeatMs?: number;
  /** The emergency on screen now. */
  readonly emergency?: () => EmergencyOnScreen;
  /** Who applies the schedule's brightness: the panel (a brightness command) or the renderer page (default). */
  readonly brightnessBy?: 'renderer' | 'panel';
  /** The time played by minus the system clock (see trusted-clock.ts); 0 when absent. */
  readonly clockCorrectionMs?: () => number;
}

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  /** Tells every subscriber that the active bundle changed. */
  bundleChanged(change: { bundleId: string | null; previousBundleId: string | null }): void;
  /** Tells every subscriber that the mode or brightness changed. */
  playbackChanged(onScreen: OnScreen): void;
  /** Tells every subscriber that an emergency went on or off screen. */
  emergencyChanged(onScreen: EmergencyOnScreen): void;
  /** Tells every subscriber that the correction of the system clock changed. */
  clockChanged(correctionMs: number): void;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

const BLOB_PATH = /^\/blobs\/([0-9a-f]{64})$/;

function playbackEvent(onScreen: OnScreen): string {
  return `event: playback\ndata: ${JSON.stringify({ bundleId: onScreen.bundleId, mode: onScreen.mode, brightnessPercent: onScreen.brightnessPercent })}\n\n`;
}

function emergencyEvent(onScreen: EmergencyOnScreen): string {
  return `event: emergency\ndata: ${JSON.stringify({ revision: onScreen.revision })}\n\n`;
}

/** The body of /api/emergency: only what the renderer draws. */
export function emergencyBody(onScreen: EmergencyOnScreen): string {
  const { takeover, banner } = onScreen;
  return JSON.stringify({
    revision: onScreen.revision,
    takeover: takeover ? { bundleId: takeover.bundleId, manifest: takeover.manifest, schedule: takeover.schedule } : null,
    banner: banner?.statement.manifest ? { id: banner.id, nodes: banner.statement.manifest.chrome.over } : null,
  });
}

function bundleEvent(change: { bundleId: string | null; previousBundleId: string | null }): string {
  return `event: bundle\ndata: ${JSON.stringify(change)}\n\n`;
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.includes(host)) {
    throw new LocalServerBindError(`the local server binds only to loopback (${LOOPBACK_HOSTS.join(' or ')}), not "${host}": the renderer and blobs must not be reachable from the network`);
  }
  const { store, logger } = options;
  const subscribers = new Set<ServerResponse>();
  const rendererRoot = options.rendererDir ? resolve(options.rendererDir) : undefined;
  let port = 0;

  // Requests whose Host is not ours are refused: a web page elsewhere could otherwise point a
  // DNS name at 127.0.0.1 and read this server from the kiosk's own browser (DNS rebinding).
  const hostAllowed = (header: string | undefined) =>
    header === `127.0.0.1:${port}` || header === `localhost:${port}` || header === `[::1]:${port}`;

  const send = (response: ServerResponse, status: number, headers: Record<string, string>, body?: Buffer | string, head = false) => {
    response.writeHead(status, { 'X-Content-Type-Options': 'nosniff', ...headers });
    response.end(head ? undefined : body);
  };
  const sendError = (response: ServerResponse, status: number, message: string) =>
    send(response, status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }, JSON.stringify({ error: message }));

  const current = (response: ServerResponse, head: boolean) => {
    const active = store.active();
    if (!active) return sendError(response, 404, 'no bundle has been activated on this player yet');
    // Manifest and schedule are stored as their exact signed bytes (canonical JSON), so they
    // are spliced in as they are rather than parsed and written again.
    const body = Buffer.concat([
      Buffer.from(`{"bundleId":${JSON.stringify(active.id)},"brightnessBy":"${options.brightnessBy ?? 'renderer'}","clockCorrectionMs":${Math.round(options.clockCorrectionMs?.() ?? 0)},"blobsUrl":"/blobs/","manifest":`),
      active.manifestBytes,
      Buffer.from(',"schedule":'),
      active.scheduleBytes,
      Buffer.from('}'),
    ]);
    send(response, 200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ETag: `"${active.id}"` }, body, head);
  };

  const blob = (response: ServerResponse, hash: string, head: boolean) => {
    const found = store.servableBlob(hash);
    if (!found) return sendError(response, 404, `blob ${hash} is not part of the active or previous bundle`);
    // Content-addressed: the bytes behind a name never change.
    send(response, 200, { 'Content-Type': found.mime, 'Content-Length': String(found.bytes.length), 'Cache-Control': 'public, max-age=31536000, immutable', ETag: `"${hash}"` }, found.bytes, head);
  };

  const events = (response: ServerResponse) => {
    response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Content-Type-Options': 'nosniff' });
    response.socket?.setNoDelay(true);
    const active = store.active();
    response.write(`retry: 1000\n\n${bundleEvent({ bundleId: active?.id ?? null, previousBundleId: store.previous()?.id ?? null })}`);
    if (options.onScreen) response.write(playbackEvent(options.onScreen()));
    if (options.emergency) response.write(emergencyEvent(options.emergency()));
    subscribers.add(response);
    response.on('close', () => subscribers.delete(response));
  };

  const staticFile = async (response: ServerResponse, path: string, head: boolean) => {
    if (!rendererRoot) return sendError(response, 404, 'no renderer page is configured on this player');
    const relative = normalize(decodeURIComponent(path === '/' ? '/index.html' : path)).replace(/^([/\\])+/, '');
    const file = join(rendererRoot, relative);
    if (file !== rendererRoot && !file.startsWith(rendererRoot + sep)) return sendError(response, 403, 'outside the renderer directory');
    try {
      const info = await stat(file);
      if (!info.isFile()) return sendError(response, 404, 'not found');
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      send(response, 200, { 'Content-Type': type, 'Content-Length': String(info.size), 'Cache-Control': 'no-cache' }, head ? undefined : await readFile(file), head);
    } catch {
      sendError(response, 404, 'not found');
    }
  };

  const server: Server = createServer((request, response) => {
    void (async () => {
      try {
        if (!hostAllowed(request.headers.host)) return sendError(response, 403, 'this server answers only to the loopback address');
        const head = request.method === 'HEAD';
        if (request.method !== 'GET' && !head) return send(response, 405, { Allow: 'GET, HEAD' });
        const path = new URL(request.url ?? '/', `http://127.0.0.1:${port}`).pathname;
        if (path === '/api/current') return current(response, head);
        if (path === '/events') return events(response);
        if (path === '/api/emergency') {
          const body = emergencyBody(options.emergency?.() ?? { revision: 'none' });
          return send(response, 200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }, body, head);
        }
        const match = BLOB_PATH.exec(path);
        if (match) return blob(response, match[1]!, head);
        if (path.startsWith('/blobs/')) return sendError(response, 404, 'a blob is named by its sha256 in lower-case hex');
        return await staticFile(response, path, head);
      } catch (error) {
        logger.error('local server request failed', { url: request.url, error: (error as Error).message });
        if (!response.headersSent) sendError(response, 500, 'internal error');
        else response.destroy();
      }
    })();
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0 }, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const heartbeat = setInterval(() => {
    for (const subscriber of subscribers) subscriber.write(': keep-alive\n\n');
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  const broadcast = (text: string) => {
    for (const subscriber of subscribers) subscriber.write(text);
  };

  return {
    url,
    port,
    bundleChanged: (change) => broadcast(bundleEvent(change)),
    playbackChanged: (onScreen) => broadcast(playbackEvent(onScreen)),
    emergencyChanged: (onScreen) => broadcast(emergencyEvent(onScreen)),
    clockChanged: (correctionMs) => broadcast(`event: clock\ndata: ${JSON.stringify({ clockCorrectionMs: Math.round(correctionMs) })}\n\n`),
    close: async () => {
      clearInterval(heartbeat);
      for (const subscriber of subscribers) subscriber.end();
      subscribers.clear();
      await new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      });
    },
  };
}
