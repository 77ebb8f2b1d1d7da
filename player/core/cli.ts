import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadPublicKey } from '../../compiler/trust/station-key.ts';
import { parseBrightnessCommand } from './brightness-output.ts';
import { connectWebSocket } from './hub-socket.ts';
import type { Logger, LogFields } from '../../compiler/format/logger.ts';
import { PlayerDatabaseTooNewError } from './player-database.ts';
import { startPlayer, type PlayerState } from './player-runtime.ts';
import { chooseDisplay, DEFAULT_CHROMIUM, type DisplayKind } from '../shell/display-choice.ts';

// `signage player`: argument parsing and process concerns (signals, stderr, exit status)
// only; the player itself is startPlayer().

/** A fixed default, so the kiosk browser or shell can be pointed at http://127.0.0.1:8470/. */
export const DEFAULT_PLAYER_PORT = 8470;

export const PLAYER_HELP = `usage: signage player --hub URL --data DIR --screen ID --station-key FILE [--hub-ca FILE] [--port N] [--renderer DIR] [--display auto|window|headless|none] [--brightness-command CMD]
  --hub URL           the station's hub, e.g. wss://tram.example.vn:8443 (ws:// only on a trusted link)
  --hub-ca FILE       the hub's TLS certificate (PEM) to trust, e.g. the station's self-signed one
  --data DIR          the player's own directory: SQLite cache, device key (made on first start)
  --screen ID         which screen of the site this player drives
  --station-key FILE  the station's public key (station.pub): only bundles it signed are shown
  --port N            port of the loopback server for the renderer (default ${DEFAULT_PLAYER_PORT})
  --renderer DIR      the built renderer page to serve at http://127.0.0.1:PORT/ (default: built on start)
  --display KIND      window: a Chromium kiosk window at the screen's capture rectangle; headless:
                      render to DATA/screen.png every minute; none: serve only (the Electron shell);
                      auto (default): a window if there is a display, else headless
  --brightness-command CMD
                      sets the panel's own brightness at each step of the site's brightness
                      schedule, e.g. "ddcutil setvcp 10 {percent}" (run without a shell); without
                      it the picture itself is dimmed`;

/** Log lines on stderr: UTC time, level, message, then fields as JSON. */
export function stderrLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const line = (level: string) => (message: string, fields?: LogFields) =>
    write(`${new Date().toISOString()} ${level} ${message}${fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ''}\n`);
  return { info: line('info'), warn: line('warn'), error: line('error') };
}

export async function playerCommand(args: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        hub: { type: 'string' },
        data: { type: 'string' },
        screen: { type: 'string' },
        'station-key': { type: 'string' },
        'hub-ca': { type: 'string' },
        port: { type: 'string' },
        renderer: { type: 'string' },
        display: { type: 'string' },
        'brightness-command': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    process.stderr.write(`signage player: ${(error as Error).message}\n\n${PLAYER_HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${PLAYER_HELP}\n`);
    return 0;
  }
  for (const name of ['hub', 'data', 'screen', 'station-key'] as const) {
    if (!values[name]) {
      process.stderr.write(`signage player: --${name} is required\n\n${PLAYER_HELP}\n`);
      return 2;
    }
  }
  const port = values.port === undefined ? DEFAULT_PLAYER_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`signage player: --port "${values.port}" is not a port number (0–65535)\n`);
    return 2;
  }
  let hubUrl: URL;
  try {
    hubUrl = new URL(values.hub!);
    if (hubUrl.protocol !== 'ws:' && hubUrl.protocol !== 'wss:') throw new Error('not ws');
  } catch {
    process.stderr.write(`signage player: --hub "${values.hub}" is not a ws:// or wss:// URL\n`);
    return 2;
  }
  let stationPublicKey;
  try {
    stationPublicKey = loadPublicKey(await readFile(values['station-key']!, 'utf8'));
  } catch (error) {
    process.stderr.write(`signage player: cannot use --station-key ${values['station-key']}: ${(error as Error).message}. It is the station.pub that "signage keygen" wrote.\n`);
    return 1;
  }

  let ca: string | undefined;
  if (values['hub-ca']) {
    try {
      ca = await readFile(values['hub-ca'], 'utf8');
    } catch (error) {
      process.stderr.write(`signage player: cannot read --hub-ca ${values['hub-ca']}: ${(error as Error).message}\n`);
      return 1;
    }
  }

  if (values['brightness-command'] !== undefined) {
    try {
      parseBrightnessCommand(values['brightness-command']);
    } catch (error) {
      process.stderr.write(`signage player: ${(error as Error).message}\n`);
      return 2;
    }
  }

  const displayRequest = (values.display ?? 'auto') as DisplayKind | 'auto';
  if (!['auto', 'window', 'headless', 'none'].includes(displayRequest)) {
    process.stderr.write(`signage player: --display must be auto, window, headless or none\n`);
    return 2;
  }
  const display = chooseDisplay({ requested: displayRequest, env: process.env, chromiumPath: DEFAULT_CHROMIUM });
  // Loaded only when needed: a packaged player (Electron, --display none --renderer DIR) ships
  // neither esbuild nor playwright.
  const rendererDir = values.renderer ?? (displayRequest === 'none' ? undefined : await (await import('../renderer/build.ts')).buildRenderer());

  const logger = stderrLogger();
  let lastConnection: PlayerState['connection'] | undefined;
  const onStateChange = (state: PlayerState) => {
    if (state.connection === lastConnection) return;
    lastConnection = state.connection;
    if (state.connection === 'pending-approval') {
      process.stdout.write(`device ${state.deviceId} is waiting for approval: ask the station to approve it: signage hub devices approve ${state.deviceId}\n`);
    } else if (state.connection === 'online') {
      process.stdout.write(`connected to ${hubUrl.href} as device ${state.deviceId}\n`);
    } else if (state.connection === 'revoked') {
      process.stdout.write(`device ${state.deviceId} has been revoked by the station; showing the last bundle, not reconnecting\n`);
    }
  };

  let player;
  try {
    player = await startPlayer({
      hubUrl: hubUrl.href,
      dataDir: values.data!,
      screenId: values.screen!,
      stationPublicKey,
      localPort: port,
      connect: connectWebSocket(ca ? { ca } : {}),
      ...(rendererDir ? { rendererDir } : {}),
      logger,
      onStateChange,
      ...(values['brightness-command'] !== undefined ? { brightnessCommand: values['brightness-command'] } : {}),
    });
  } catch (error) {
    if (error instanceof PlayerDatabaseTooNewError) process.stderr.write(`signage player: ${error.message}\n`);
    else process.stderr.write(`signage player: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  const state = player.snapshot();
  process.stdout.write(
    `player for screen ${state.screenId}, device ${player.deviceId}\n` +
      `  renderer: ${player.localUrl}/\n` +
      `  on screen: ${state.activeBundleId ? `bundle ${state.activeBundleId.slice(0, 16)} (${state.mode})` : 'nothing yet (no bundle received)'}\n`,
  );

  process.stdout.write(`  display: ${display.kind} (${display.reason})${display.kind === 'headless' ? `, writing ${values.data}/screen.png every minute` : ''}\n`);
  const shown = display.kind === 'none' ? undefined : (await import('../shell/player-display.ts')).startPlayerDisplay({ player, kind: display.kind, dataDir: values.data!, logger });

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('stopping…\n');
  await shown?.stop();
  await player.close();
  return 0;
}
