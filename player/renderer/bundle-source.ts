import { bundleManifestSchema } from '../../compiler/format/bundle-manifest.ts';
import { scheduleSchema } from '../../compiler/format/schedule.ts';
import type { BlobFetcher } from './blob-textures.ts';
import type { InjectedBundle } from './page-api.ts';
import type { LoadedBundle } from './renderer.ts';

// Where the page gets its bundle: URLs in the query string (the player core or the snapshot
// server serves the compiler's output layout), or an object injected before the page script
// runs. Either way every byte goes through the format's schemas once, here at the edge.

/** Compiler output layout: OUT/screens/<id>/{manifest,schedule}.json and OUT/blobs/<sha256>. */
export interface BundleLocation {
  readonly manifestUrl: string;
  readonly scheduleUrl: string;
  /** Folder URL of the blobs, with a trailing slash. */
  readonly blobsUrl: string;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * `?bundle=DIR` names a screen's folder (…/screens/<id>/); blobs default to ../../blobs/ from
 * it, as the compiler writes them, and `&blobs=DIR` overrides that.
 */
export function locationFromQuery(params: URLSearchParams, pageUrl: string): BundleLocation | undefined {
  const bundle = params.get('bundle');
  if (!bundle) return undefined;
  const screenDir = new URL(withSlash(bundle), pageUrl).href;
  const blobs = params.get('blobs');
  return {
    manifestUrl: new URL('manifest.json', screenDir).href,
    scheduleUrl: new URL('schedule.json', screenDir).href,
    blobsUrl: blobs ? new URL(withSlash(blobs), pageUrl).href : new URL('../../blobs/', screenDir).href,
  };
}

function parseBundle(manifestRaw: unknown, scheduleRaw: unknown, fetchBlob: BlobFetcher): LoadedBundle {
  const manifest = bundleManifestSchema.safeParse(manifestRaw);
  if (!manifest.success) {
    const issue = manifest.error.issues[0];
    throw new Error(`manifest field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const schedule = scheduleSchema.safeParse(scheduleRaw);
  if (!schedule.success) {
    const issue = schedule.error.issues[0];
    throw new Error(`schedule field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return { manifest: manifest.data, schedule: schedule.data, fetchBlob };
}

export function blobFetcher(blobsUrl: string): BlobFetcher {
  return async (hash) => {
    const response = await fetch(new URL(hash, blobsUrl).href);
    return response.ok ? response.blob() : undefined;
  };
}

async function fetchJson(url: string, what: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch the ${what} at ${url}: HTTP ${response.status}`);
  try {
    return await response.json();
  } catch {
    throw new Error(`the ${what} at ${url} is not JSON`);
  }
}

export async function fetchBundle(location: BundleLocation): Promise<LoadedBundle> {
  const [manifest, schedule] = await Promise.all([fetchJson(location.manifestUrl, 'manifest'), fetchJson(location.scheduleUrl, 'schedule')]);
  return parseBundle(manifest, schedule, blobFetcher(location.blobsUrl));
}

export function bundleFromInjected(injected: InjectedBundle, pageUrl: string): LoadedBundle {
  return parseBundle(injected.manifest, injected.schedule, blobFetcher(new URL(withSlash(injected.blobsUrl ?? './blobs/'), pageUrl).href));
}
