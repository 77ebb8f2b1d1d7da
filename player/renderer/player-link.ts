import type { InjectedBundle } from './page-api.ts';

// The renderer page inside a player: its bundle comes from the player core's loopback server
// (/api/current), and a Server-Sent Event tells it when the core has activated another one,
// so the new content is on the next frame without reloading the page (fonts and the WebGL
// context stay). Until the first bundle is active, the page waits and the screen stays black.

interface CurrentBundle extends InjectedBundle {
  readonly bundleId: string;
}

async function fetchCurrent(baseUrl: string): Promise<CurrentBundle | undefined> {
  try {
    const response = await fetch(new URL('/api/current', baseUrl).href, { cache: 'no-store' });
    if (!response.ok) return undefined;
    return (await response.json()) as CurrentBundle;
  } catch {
    return undefined; // the core is restarting; the event stream's retry brings us back
  }
}

/** Resolves with the first active bundle, however long the player takes to get one. */
export async function waitForFirstBundle(baseUrl: string, pollMs = 2000): Promise<CurrentBundle> {
  for (;;) {
    const current = await fetchCurrent(baseUrl);
    if (current) return current;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Calls `onBundle` whenever the core activates a bundle other than `currentId`. */
export function followPlayer(options: { baseUrl: string; currentId: string; onBundle: (bundle: CurrentBundle) => Promise<void> }): () => void {
  let shownId = options.currentId;
  let busy = false;
  const source = new EventSource(new URL('/events', options.baseUrl).href);
  const check = async () => {
    if (busy) return;
    busy = true;
    try {
      const current = await fetchCurrent(options.baseUrl);
      if (current && current.bundleId !== shownId) {
        await options.onBundle(current);
        shownId = current.bundleId;
      }
    } finally {
      busy = false;
    }
  };
  source.addEventListener('bundle', (event) => {
    const data = JSON.parse((event as MessageEvent<string>).data) as { bundleId: string | null };
    if (data.bundleId && data.bundleId !== shownId) void check();
  });
  return () => source.close();
}

