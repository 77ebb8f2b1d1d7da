import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Where the tests find the project and the shared samples (CI checks out the project with
// ../shared beside it), and scratch directories that clean up after themselves.

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SHARED_SAMPLES = join(PROJECT_ROOT, '..', 'shared', 'samples');
export const SIGNAGE_BIN = join(PROJECT_ROOT, 'bin', 'signage.js');

export async function scratchDir(prefix: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `signage-${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A private copy of the shared samples (notices/, images/, site.yaml) that a test may edit. */
export async function copySamples(into: string): Promise<{ notices: string; site: string; images: string }> {
  await cp(SHARED_SAMPLES, into, { recursive: true });
  return { notices: join(into, 'notices'), site: join(into, 'site.yaml'), images: join(into, 'images') };
}
