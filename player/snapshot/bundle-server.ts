import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

// Serves the built renderer page and one compiler output directory on 127.0.0.1 (an
// ephemeral port), read-only, with an allow-list of paths rather than a general file server:
//   /index.html, /renderer.js(.map), /fonts/<file>.woff2      from the renderer build
//   /bundle/screens/<id>/{manifest,schedule}.json             from the compiler output
//   /bundle/blobs/<sha256>                                    from the compiler output

export interface BundleServer {
  /** Base URL with a trailing slash, e.g. http://127.0.0.1:40123/ */
  readonly url: string;
  close(): Promise<void>;
}

const RENDERER_FILES = /^\/(index\.html|renderer\.js|renderer\.js\.map|fonts\/[a-z0-9-]+\.woff2)$/;
const SCREEN_FILE = /^\/bundle\/screens\/([a-z0-9][a-z0-9-]*)\/(manifest\.json|schedule\.json)$/;
const BLOB_FILE = /^\/bundle\/blobs\/([0-9a-f]{64})$/;

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  map: 'application/json',
  json: 'application/json',
  woff2: 'font/woff2',
};

/** Blobs are stored without an extension; their type comes from their first bytes. */
export function sniffImageType(bytes: Uint8Array): string {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (bytes[0] === 0x89 && ascii(1, 4) === 'PNG') return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  return 'application/octet-stream';
}

function resolvePath(pathname: string, rendererDir: string, bundleDir: string): string | undefined {
  if (pathname === '/') return join(rendererDir, 'index.html');
  if (RENDERER_FILES.test(pathname)) return join(rendererDir, ...pathname.slice(1).split('/'));
  const screen = SCREEN_FILE.exec(pathname);
  if (screen) return join(bundleDir, 'screens', screen[1]!, screen[2]!);
  const blob = BLOB_FILE.exec(pathname);
  if (blob) return join(bundleDir, 'blobs', blob[1]!);
  return undefined;
}

export async function serveBundle(options: { rendererDir: string; bundleDir: string }): Promise<BundleServer> {
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const path = request.method === 'GET' || request.method === 'HEAD' ? resolvePath(pathname, options.rendererDir, options.bundleDir) : undefined;
    if (!path) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const extension = pathname.includes('.') ? pathname.slice(pathname.lastIndexOf('.') + 1) : '';
    const type = BLOB_FILE.test(pathname) ? sniffImageType(bytes) : (TYPES[extension] ?? 'application/octet-stream');
    response.writeHead(200, { 'content-type': type, 'content-length': bytes.length, 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : bytes);
  };
  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
