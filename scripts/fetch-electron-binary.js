// Electron's own install script downloads its binary from GitHub. Where that host is
// unreachable (rural stations behind filtered links, CI sandboxes) the download fails and
// would fail the whole `npm install`. package.json therefore blocks electron's script
// (allowScripts) and this project-level postinstall runs it instead, tolerating failure:
// the player then uses the plain Chromium kiosk shell, which needs no Electron binary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function electronInstallScript() {
  try {
    return require.resolve('electron/install.js');
  } catch {
    return undefined; // production install without devDependencies
  }
}

const script = electronInstallScript();
if (!script || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  process.exit(0);
}
const result = spawnSync(process.execPath, [script], { stdio: 'pipe', timeout: 120_000 });
if (result.status === 0 && existsSync(new URL('../node_modules/electron/dist', import.meta.url))) {
  console.log('electron: binary present; the Electron kiosk shell is available.');
} else {
  console.log(
    'electron: binary could not be downloaded (no route to its host); ' +
      'the player will use the Chromium kiosk shell (apt-get install chromium).',
  );
}
