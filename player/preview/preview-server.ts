import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { scheduleSchema } from '../../compiler/format/schedule.ts';
import { sniffImageType } from '../snapshot/bundle-server.ts';
import type { PreviewCompiler, PreviewState } from './preview-compiler.ts';
import { PREVIEW_HTML } from './preview-page.ts';
import { everyNoticeSchedule } from './preview-schedule.ts';

// Serves the preview page, the renderer build and each compile generation on 127.0.0.1 only,
// and tells open pages about every new compile over Server-Sent Events.
//   /                                   the preview page
//   /api/state                          screens, report summary, problems of the last attempt
//   /events                             SSE: "state" after every compile attempt
//   /renderer/…                         the renderer page (index.html, renderer.js, fonts/)
//   /gen/<n>/<all|now>/screens/<id>/…   manifest.json, schedule.json (all: every notice always on)
//   /gen/<n>/<all|now>/blobs/<sha256>

export interface PreviewServer {
  readonly url: string;
  /** Tells connected pages that the state changed. */
  notify(): void;
  close(): Promise<void>;
}

const RENDERER_FILE = /^\/renderer\/(index\.html|renderer\.js|renderer\.js\.map|fonts\/[a-z0-9-]+\.woff2)$/;
const SCREEN_FILE = /^\/gen\/(\d+)\/(all|now)\/screens\/([a-z0-9][a-z0-9-]*)\/(manifest|schedule)\.json$/;
const BLOB_FILE = /^\/gen\/(\d+)\/(all|now)\/blobs\/([0-9a-f]{64})$/;
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', map: 'application/json', woff2: 'font/woff2' };

export function stateForPage(state: PreviewState, site: { screens: readonly unknown[] } | undefined): unknown {
  const report = state.report;
  return {
    attempt: state.attempt,
    generation: state.generation ?? null,
    compiledInMs: state.compiledInMs ?? null,
    screens: site?.screens ?? [],
    skipped: report?.skipped ?? [],
    // Unsigned output is the point of a preview; that warning is noise here.
    warnings: (report?.warnings ?? []).filter((warning) => warning.code !== 'BUNDLE_UNSIGNED'),
    failure: state.failure ?? null,
  };
}

export async function startPreviewServer(options: { compiler: PreviewCompiler; rendererDir: string; port?: number }): Promise<PreviewServer> {
  const clients = new Set<ServerResponse>();
  const send = (response: ServerResponse, status: number, type: string, body: string | Buffer) => {
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    response.end(body);
  };

  async function screensOf(state: PreviewState): Promise<unknown[]> {
    if (!state.outDir || !state.report) return [];
    const screens: unknown[] = [];
    for (const result of state.report.screens) {
      const manifest = JSON.parse(await readFile(join(state.outDir, 'screens', result.screen, 'manifest.json'), 'utf8'));
      screens.push({ id: result.screen, layout: manifest.layout, ...manifest.screen, pages: result.pages, notices: result.notices });
    }
    return screens;
  }

  function outDirOf(generation: string): string | undefined {
    const state = options.compiler.current();
    // Only the current and the previous generation exist on disk.
    if (!state.outDir || !state.generation) return undefined;
    const wanted = Number(generation);
    if (wanted !== state.generation && wanted !== state.generation - 1) return undefined;
    return join(state.outDir, '..', `gen-${wanted}`);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    if (request.method !== 'GET') return send(response, 405, 'text/plain', 'GET only');
    if (path === '/') return send(response, 200, TYPES.html!, PREVIEW_HTML);
    if (path === '/api/state') {
      const state = options.compiler.current();
      return send(response, 200, 'application/json', JSON.stringify(stateForPage(state, { screens: await screensOf(state) })));
    }
    if (path === '/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write('retry: 1000\n\n');
      clients.add(response);
      request.on('close', () => clients.delete(response));
      return;
    }
    const renderer = RENDERER_FILE.exec(path);
    if (renderer) {
      const file = renderer[1]!;
      return send(response, 200, TYPES[file.slice(file.lastIndexOf('.') + 1)] ?? 'application/octet-stream', await readFile(join(options.rendererDir, ...file.split('/'))));
    }
    const screenFile = SCREEN_FILE.exec(path);
    if (screenFile) {
      const dir = outDirOf(screenFile[1]!);
      if (!dir) return send(response, 404, 'text/plain', 'generation gone');
      const text = await readFile(join(dir, 'screens', screenFile[3]!, `${screenFile[4]}.json`), 'utf8');
      if (screenFile[4] === 'schedule' && screenFile[2] === 'all') {
        return send(response, 200, 'application/json', JSON.stringify(everyNoticeSchedule(scheduleSchema.parse(JSON.parse(text)))));
      }
      return send(response, 200, 'application/json', text);
    }
    const blob = BLOB_FILE.exec(path);
    if (blob) {
      const dir = outDirOf(blob[1]!);
      if (!dir) return send(response, 404, 'text/plain', 'generation gone');
      const bytes = await readFile(join(dir, 'blobs', blob[3]!));
      return send(response, 200, sniffImageType(bytes), bytes);
    }
    return send(response, 404, 'text/plain', 'not found');
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) send(response, 404, 'text/plain', 'not found');
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: the preview shows drafts, which must never be reachable from outside.
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    notify() {
      for (const client of clients) client.write('event: state\ndata: {}\n\n');
    },
    async close() {
      for (const client of clients) client.end();
      clients.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
