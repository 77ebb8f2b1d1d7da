import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { compile } from '../compiler/compile.ts';
import { formatProblem, CompileFailure } from '../compiler/plan/compile-problem.ts';
import { generateStationKeyPair, loadPrivateKey, loadPublicKey } from '../compiler/trust/station-key.ts';
import { startHub, type RunningHub } from '../hub/hub-server.ts';
import type { Logger } from '../compiler/format/logger.ts';
import { startPlayer, type RunningPlayer } from '../player/core/player-runtime.ts';
import { buildRenderer } from '../player/renderer/build.ts';
import { launchChromiumKiosk, type RunningKiosk } from '../player/shell/chromium-kiosk.ts';
import { chooseDisplay, DEFAULT_CHROMIUM, type DisplayKind } from '../player/shell/display-choice.ts';
import { startHeadlessDisplay, type HeadlessDisplay } from '../player/shell/headless-display.ts';

// `npm start`: the whole system on one machine, from the project's own demo commune. Compile
// the demo notices with a station key made on first run, start a hub, start one player per
// screen (each with its own SQLite cache), approve them as an operator would, and show every
// screen: a kiosk window where there is a display, PNG files where there is none.

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEMO_INPUT = join(PROJECT_ROOT, 'assets', 'demo');

export const DEMO_HELP = `usage: signage demo [--data DIR] [--display auto|window|headless|none] [--once]
  --data DIR   where keys, bundles, the hub's and players' databases and pictures go (default .demo)
  --display    how to show the screens (default auto: a window if there is a display, else PNG)
  --once       show the screens once and stop (otherwise runs until Ctrl-C)`;

function quietLogger(prefix: string, write: (line: string) => void): Logger {
  // Warnings and errors only: the demo's own lines tell the story. The first refusal of each
  // new player (waiting for approval) is expected here: the demo approves it a moment later.
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    if (fields?.reason === 'pending-approval') return;
    write(`${prefix} ${level}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  };
  return { info: () => {}, warn: line('warn'), error: line('error') };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function demoCommand(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options: { data: { type: 'string' }, display: { type: 'string' }, once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (error) {
    process.stderr.write(`signage: ${(error as Error).message}\n\n${DEMO_HELP}\n`);
    return 2;
  }
  if (values.help) return (process.stdout.write(`${DEMO_HELP}\n`), 0);
  const requested = (values.display ?? 'auto') as DisplayKind | 'auto';
  if (!['auto', 'window', 'headless', 'none'].includes(requested)) {
    process.stderr.write(`signage: --display must be auto, window, headless or none\n`);
    return 2;
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const log = (line: string) => process.stderr.write(line);
  const data = resolve(typeof values.data === 'string' ? values.data : join(PROJECT_ROOT, '.demo'));
  const show = (path: string) => relative(process.cwd(), path) || '.';
  await mkdir(data, { recursive: true });

  // 1. The station key, made once and kept: players pin it.
  const keyDir = join(data, 'station');
  if (!(await exists(join(keyDir, 'station.key')))) {
    const pair = generateStationKeyPair();
    await mkdir(keyDir, { recursive: true });
    await writeFile(join(keyDir, 'station.key'), pair.privateKeyPem, { mode: 0o600 });
    await writeFile(join(keyDir, 'station.pub'), pair.publicKeyPem);
  }
  const privateKey = loadPrivateKey(await readFile(join(keyDir, 'station.key'), 'utf8'));
  const publicKey = loadPublicKey(await readFile(join(keyDir, 'station.pub'), 'utf8'));

  // 2. Compile the demo commune.
  const out = join(data, 'bundles');
  let report;
  try {
    report = await compile({ noticesDir: join(DEMO_INPUT, 'notices'), siteFile: join(DEMO_INPUT, 'site.yaml'), outDir: out, privateKey, atMs: Date.now(), cacheDir: join(data, 'cache') });
  } catch (error) {
    if (error instanceof CompileFailure) for (const problem of error.problems) log(`  ${formatProblem(problem)}\n`);
    throw error;
  }
  say(`compiled ${report.compiled.length} notices for ${report.screens.length} screens → ${show(out)}`);
  for (const skipped of report.skipped) say(`  skipped ${skipped.id}: ${skipped.reason}`);

  // 3. The hub, and the compile published to it.
  const hub: RunningHub = await startHub({ dataDir: join(data, 'hub'), port: 0, stationPublicKey: publicKey, logger: quietLogger('hub', log) });
  const published = await hub.publish(out);
  say(`hub listening on ${hub.url} (published: ${published.changedScreens.join(', ') || 'already current'})`);

  // 4. One player per screen; the operator's approval is automatic in the demo only.
  const rendererDir = await buildRenderer();
  const players: { screen: (typeof report.screens)[number]; player: RunningPlayer }[] = [];
  const kiosks: RunningKiosk[] = [];
  const displays: HeadlessDisplay[] = [];
  const stopAll = async () => {
    await Promise.allSettled([...kiosks.map((k) => k.stop()), ...displays.map((d) => d.stop())]);
    await Promise.allSettled(players.map(({ player }) => player.close()));
    await hub.close();
  };
  try {
    for (const screen of report.screens) {
      const player = await startPlayer({
        hubUrl: hub.url,
        dataDir: join(data, 'players', screen.screen),
        screenId: screen.screen,
        stationPublicKey: publicKey,
        rendererDir,
        pendingRetryMs: 300,
        logger: quietLogger(`player ${screen.screen}`, log),
      });
      players.push({ screen, player });
    }
    for (const { screen, player } of players) {
      await waitFor(() => hub.devices().some((d) => d.id === player.deviceId), 15_000, `player ${screen.screen} to ask to join`);
      if (hub.devices().find((d) => d.id === player.deviceId)?.state !== 'approved') {
        hub.approveDevice(player.deviceId);
        say(`approved device ${player.deviceId} for screen ${screen.screen} (at a real station: signage hub devices approve ${player.deviceId})`);
      }
    }
    for (const { screen, player } of players) {
      await waitFor(() => player.snapshot().activeBundleId === screen.bundleId, 60_000, `player ${screen.screen} to activate bundle ${screen.bundleId.slice(0, 12)}`);
      const { mode, brightnessPercent } = player.snapshot();
      const note =
        mode === 'off'
          ? ' (outside its operating hours: the screen is black)'
          : brightnessPercent < 100
            ? ` (dimmed to ${brightnessPercent}% by the site's brightness schedule)`
            : '';
      say(`player ${screen.screen.padEnd(14)} device ${player.deviceId}  showing bundle ${screen.bundleId.slice(0, 12)}  mode ${mode}${note}  at ${player.localUrl}/?player=1`);
    }

    // 5. Show the screens.
    const choice = chooseDisplay({ requested, env: process.env, chromiumPath: DEFAULT_CHROMIUM });
    say(`display: ${choice.kind} (${choice.reason})`);
    if (choice.kind === 'window') {
      let left = 0;
      for (const { screen, player } of players) {
        const manifest = JSON.parse(await readFile(join(out, 'screens', screen.screen, 'manifest.json'), 'utf8'));
        const { width, height, kind, capture } = manifest.screen;
        // LED screens sit where their sending card reads; LCDs are laid side by side for the demo.
        const rect = kind === 'led' ? { x: capture.x, y: capture.y + 40, width, height } : { x: left, y: 460, width: Math.round(width / 3), height: Math.round(height / 3) };
        if (kind !== 'led') left += rect.width + 10;
        kiosks.push(launchChromiumKiosk({ url: `${player.localUrl}/?player=1`, rect, fullScreen: false, userDataDir: join(data, 'kiosk', screen.screen), chromiumPath: DEFAULT_CHROMIUM, logger: quietLogger(`kiosk ${screen.screen}`, log) }));
      }
      say('windows opened: one per screen.');
    } else if (choice.kind === 'headless') {
      for (const { screen, player } of players) {
        const manifest = JSON.parse(await readFile(join(out, 'screens', screen.screen, 'manifest.json'), 'utf8'));
        const display = await startHeadlessDisplay({ url: `${player.localUrl}/?player=1`, width: manifest.screen.width, height: manifest.screen.height, outFile: join(data, 'screens', `${screen.screen}.png`), logger: quietLogger(`display ${screen.screen}`, log) });
        displays.push(display);
        const file = await display.capture();
        const meta = await sharp(file).metadata();
        say(`screen ${screen.screen.padEnd(14)} → ${show(file)} (${meta.width}×${meta.height}, refreshed every minute)`);
      }
    }
    if (values.once) {
      await stopAll();
      return 0;
    }
    say('running: the hub and players stay up; edit assets/demo/notices and run "npm start" again to publish. Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stopAll();
    return 0;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
