import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRenderer } from '../renderer/build.ts';
import { PreviewCompiler } from './preview-compiler.ts';
import { startPreviewServer } from './preview-server.ts';

export const PREVIEW_HELP = `usage: signage preview --notices DIR --site FILE [--approvers FILE] [--port N]
  Serves a page on 127.0.0.1 showing every notice on every screen of the site, live, and
  recompiles within a second of a file changing. Errors and warnings appear beside the screen.
  --approvers FILE  the station's approver registry: approvals are checked as the station's
                    compile checks them (without it each notice says its approval is unverified)`;

export async function previewCommand(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options: { notices: { type: 'string' }, site: { type: 'string' }, approvers: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (error) {
    process.stderr.write(`signage: ${(error as Error).message}\n\n${PREVIEW_HELP}\n`);
    return 2;
  }
  if (values.help) return (process.stdout.write(`${PREVIEW_HELP}\n`), 0);
  if (typeof values.notices !== 'string' || typeof values.site !== 'string') {
    process.stderr.write(`signage: --notices and --site are required\n\n${PREVIEW_HELP}\n`);
    return 2;
  }
  const workDir = await mkdtemp(join(tmpdir(), 'signage-preview-'));
  let server: Awaited<ReturnType<typeof startPreviewServer>> | undefined;
  const compiler = new PreviewCompiler({
    noticesDir: values.notices,
    siteFile: values.site,
    approversFile: typeof values.approvers === 'string' ? values.approvers : undefined,
    workDir,
    clock: Date.now,
    onChange: (state) => {
      server?.notify();
      const summary = state.failure ? `compile failed (${state.failure.filter((p) => p.severity === 'error').length} errors), still showing generation ${state.generation ?? '-'}` : `generation ${state.generation} compiled in ${state.compiledInMs} ms`;
      process.stderr.write(`… ${summary}\n`);
    },
  });
  const rendererDir = await buildRenderer();
  await compiler.start();
  server = await startPreviewServer({ compiler, rendererDir, port: values.port ? Number(values.port) : 0 });
  process.stdout.write(`preview: ${server.url}  (open it in a browser; Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await compiler.stop();
  await server.close();
  await rm(workDir, { recursive: true, force: true });
  return 0;
}
