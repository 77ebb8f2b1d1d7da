import { existsSync } from 'node:fs';

// How the player shows its screen on this machine: the Electron shell where its binary was
// installed, a plain Chromium kiosk window where there is a display, and otherwise headless
// rendering to a PNG in the data directory (CI, servers, a station checking a bundle).

export type DisplayKind = 'window' | 'headless' | 'none';

export function chooseDisplay(options: { requested: DisplayKind | 'auto'; env: Readonly<Record<string, string | undefined>>; chromiumPath: string; exists?: (path: string) => boolean }): { kind: DisplayKind; reason: string } {
  const exists = options.exists ?? existsSync;
  if (options.requested !== 'auto') return { kind: options.requested, reason: `asked for ${options.requested}` };
  const hasDisplay = Boolean(options.env.DISPLAY || options.env.WAYLAND_DISPLAY);
  if (!exists(options.chromiumPath)) return { kind: 'none', reason: `no Chromium at ${options.chromiumPath} (apt-get install chromium)` };
  if (hasDisplay) return { kind: 'window', reason: `display ${options.env.DISPLAY ?? options.env.WAYLAND_DISPLAY}` };
  return { kind: 'headless', reason: 'no display: rendering to PNG' };
}

export const DEFAULT_CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
