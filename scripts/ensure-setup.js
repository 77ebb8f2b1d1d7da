// Runs before `npm start` and `npm test` (prestart, pretest), so that on a fresh machine of
// the project's kind (Debian 12, Node 20) those two commands are the whole set-up:
//   - Debian's Chromium, which the renderer, the snapshots and the visual tests drive, is
//     installed with apt-get when it is missing and we are root; otherwise the command stops
//     here and says what to run;
//   - the npm dependencies are installed (`npm ci`, exactly the lock file) when node_modules is
//     missing or older than package-lock.json (a pull that changed them).
// Only Node's own modules are used: nothing else exists yet when this runs.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function say(line) {
  process.stderr.write(`setup: ${line}\n`);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status !== 0) {
    say(`"${command} ${args.join(' ')}" failed (exit ${result.status ?? result.signal}); fix that and run the command again`);
    process.exit(1);
  }
}

function ensureChromium() {
  if (existsSync(chromium)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    say(`Chromium is not at ${chromium}. Install Debian's package (sudo apt-get install -y chromium), or set CHROMIUM_PATH to a Chromium binary, then run this again.`);
    process.exit(1);
  }
  say("installing Debian's chromium (the renderer, snapshots and visual tests use it); this takes a minute or two");
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', 'chromium']);
}

function ensureNodeModules() {
  const installed = `${root}node_modules/.package-lock.json`;
  const lock = `${root}package-lock.json`;
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  say(existsSync(installed) ? 'package-lock.json changed since the last install: npm ci' : 'installing the npm dependencies: npm ci');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

if (process.env.SIGNAGE_SKIP_SETUP !== '1') {
  ensureChromium();
  ensureNodeModules();
}
