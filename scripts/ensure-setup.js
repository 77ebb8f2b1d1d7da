// Runs before `npm start` and `npm test` (prestart, pretest), so that on a fresh machine of
// the project's kind (Debian 12, Node 20) those two commands are the whole set-up:
//   - Debian's Chromium, which the renderer, the snapshots and the visual tests drive, is
//     installed with apt-get when it is missing and we are root; otherwise the command stops
//     here and says what to run;
//   - the npm dependencies are installed (`npm ci`, exactly the lock file) when node_modules is
//     missing, or when package-lock.json's content differs from the one this script last
//     installed (a pull that changed the dependencies). Content, not file times: a checkout
//     that rewrites the same lock file must not wipe node_modules under running processes.
// Only Node's own modules are used: nothing else exists yet when this runs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
  const stamp = `${root}node_modules/.signage-lock-sha256`;
  const lockHash = createHash('sha256').update(readFileSync(`${root}package-lock.json`)).digest('hex');
  if (existsSync(installed)) {
    const stamped = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : undefined;
    if (stamped === lockHash) return;
    if (stamped === undefined) {
      // Installed by hand (npm install, npm ci): taken as matching the lock file it was made from.
      writeFileSync(stamp, `${lockHash}\n`);
      return;
    }
    say('package-lock.json changed since the last install: npm ci');
  } else {
    say('installing the npm dependencies: npm ci');
  }
  run('npm', ['ci', '--no-audit', '--no-fund']);
  writeFileSync(stamp, `${lockHash}\n`);
}

if (process.env.SIGNAGE_SKIP_SETUP !== '1') {
  ensureChromium();
  ensureNodeModules();
}
