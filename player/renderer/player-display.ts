import { bundleManifestSchema, type BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import { scheduleSchema } from '../../compiler/format/schedule.ts';
import { sceneNodeSchema, type SceneNode } from '../../compiler/format/scene.ts';
import { bundleFromInjected } from './bundle-source.ts';
import type { InjectedBundle } from './page-api.ts';
import { blobFetcher } from './bundle-source.ts';
import { followPlayer } from './player-link.ts';
import type { LoadedBundle } from './renderer.ts';

// What the renderer page inside a player draws: the content bundle the core has activated,
// unless an emergency is on (player/core/emergency-controller.ts decides, with the core's
// clock and the station's signed statements):
//   - a takeover: its pages and schedule replace the content until it ends;
//   - a banner: the content plays on, with the banner's nodes drawn over every page (added to
//     the content's `chrome.over`, so it stays up across page changes and transitions).
// The core announces changes on its event stream (`bundle`, `emergency`); the page fetches
// /api/current or /api/emergency and loads the composed bundle, which the renderer draws from
// its next frame on.

interface CurrentBundle extends InjectedBundle {
  readonly bundleId: string;
  /** 'panel' when the core runs a brightness command, so the page must not dim as well. */
  readonly brightnessBy?: 'renderer' | 'panel';
  /** Added to the page's clock to draw at the time the core plays by (player/core/trusted-clock.ts). */
  readonly clockCorrectionMs?: number;
}

export interface EmergencyPayload {
  readonly revision: string;
  readonly takeover: { readonly bundleId: string; readonly manifest: unknown; readonly schedule: unknown } | null;
  readonly banner: { readonly id: string; readonly nodes: unknown } | null;
}

/**
 * The bundle to draw, from the content and the emergency: pure, so it can be reasoned about
 * alone. A player with no content yet (just installed) still draws a takeover.
 */
export function composeDisplay(content: LoadedBundle | undefined, emergency: { takeover?: { manifest: BundleManifest; schedule: LoadedBundle['schedule'] } | undefined; bannerNodes?: readonly SceneNode[] | undefined }, fetchBlob: LoadedBundle['fetchBlob']): LoadedBundle | undefined {
  if (emergency.takeover) return { manifest: emergency.takeover.manifest, schedule: emergency.takeover.schedule, fetchBlob: content?.fetchBlob ?? fetchBlob };
  if (!content) return undefined;
  if (emergency.bannerNodes && emergency.bannerNodes.length > 0) {
    const { chrome } = content.manifest;
    return { ...content, manifest: { ...content.manifest, chrome: { under: chrome.under, over: [...chrome.over, ...emergency.bannerNodes] } } };
  }
  return content;
}

function parseEmergency(payload: EmergencyPayload): { takeover?: { manifest: BundleManifest; schedule: LoadedBundle['schedule'] }; bannerNodes?: SceneNode[] } {
  if (payload.takeover) {
    return { takeover: { manifest: bundleManifestSchema.parse(payload.takeover.manifest), schedule: scheduleSchema.parse(payload.takeover.schedule) } };
  }
  if (payload.banner) return { bannerNodes: sceneNodeSchema.array().parse(payload.banner.nodes) };
  return {};
}

async function fetchEmergency(baseUrl: string): Promise<EmergencyPayload | undefined> {
  try {
    const response = await fetch(new URL('/api/emergency', baseUrl).href, { cache: 'no-store' });
    return response.ok ? ((await response.json()) as EmergencyPayload) : undefined;
  } catch {
    return undefined; // the core is restarting; its event stream brings us back
  }
}

/**
 * What the page draws first: the content bundle the core has active, or, on a player that has
 * none yet, the takeover of an alert it already holds. Waits (screen black) until one exists.
 */
export async function waitForFirstDisplay(baseUrl: string, pollMs = 1000): Promise<{ content?: CurrentBundle; bundle: LoadedBundle }> {
  for (;;) {
    try {
      const response = await fetch(new URL('/api/current', baseUrl).href, { cache: 'no-store' });
      if (response.ok) {
        const content = (await response.json()) as CurrentBundle;
        return { content, bundle: bundleFromInjected(content, baseUrl) };
      }
    } catch {
      // the core is starting or restarting
    }
    const payload = await fetchEmergency(baseUrl);
    const bundle = payload?.takeover ? composeDisplay(undefined, parseEmergency(payload), blobFetcher(new URL('/blobs/', baseUrl).href)) : undefined;
    if (bundle) return { bundle };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * Follows the core: content bundles and emergencies. `first` is the content the page has
 * already loaded (none: the page drew a takeover first). `load` is the renderer's; it is
 * called one at a time, always with the latest composition.
 */
export async function followPlayerDisplay(options: {
  baseUrl: string;
  first: CurrentBundle | undefined;
  load: (bundle: LoadedBundle) => Promise<void>;
  /** The core's new correction of the system clock (player/core/trusted-clock.ts): the page draws at Date.now() + it. */
  onClockCorrection?: (correctionMs: number) => void;
}): Promise<() => void> {
  const { baseUrl } = options;
  let content = options.first ? bundleFromInjected(options.first, baseUrl) : undefined;
  let emergency: ReturnType<typeof parseEmergency> = {};
  let revision = 'none';
  let chain: Promise<void> = Promise.resolve();
  const fallbackBlobs = blobFetcher(new URL('/blobs/', baseUrl).href);
  const show = () => {
    const bundle = composeDisplay(content, emergency, fallbackBlobs);
    // Nothing to draw (no content, no takeover): the screen keeps its last frame.
    if (!bundle) return chain;
    chain = chain.then(() => options.load(bundle)).catch((error: unknown) => console.error('cannot load the display', error));
    return chain;
  };
  const refreshEmergency = async () => {
    const payload = await fetchEmergency(baseUrl);
    if (!payload || payload.revision === revision) return;
    try {
      emergency = parseEmergency(payload);
    } catch (error) {
      // The core verified what it serves; a page that cannot read it keeps what it shows.
      console.error('cannot read the emergency from the player core', error);
      return;
    }
    revision = payload.revision;
    await show();
  };
  // The page has loaded what is on now already (the content, or with none the takeover);
  // reading the emergency again changes nothing unless it changed meanwhile.
  if (!options.first) {
    const payload = await fetchEmergency(baseUrl);
    if (payload?.takeover) {
      emergency = parseEmergency(payload);
      revision = payload.revision;
    }
  }
  await refreshEmergency();
  const stopContent = followPlayer({
    baseUrl,
    currentId: options.first?.bundleId ?? '',
    onBundle: async (current) => {
      content = bundleFromInjected(current, baseUrl);
      await show();
    },
  });
  const source = new EventSource(new URL('/events', baseUrl).href);
  source.addEventListener('emergency', (event) => {
    const data = JSON.parse((event as MessageEvent<string>).data) as { revision: string };
    if (data.revision !== revision) void refreshEmergency();
  });
  source.addEventListener('clock', (event) => {
    const data = JSON.parse((event as MessageEvent<string>).data) as { clockCorrectionMs: number };
    if (Number.isFinite(data.clockCorrectionMs)) options.onClockCorrection?.(data.clockCorrectionMs);
  });
  return () => {
    stopContent();
    source.close();
  };
}
