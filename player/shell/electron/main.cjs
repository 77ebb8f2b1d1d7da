// The Electron shell: a frameless window at the screen's capture rectangle that shows the
// local player page, and nothing else. All logic lives in the player core, which runs as a
// child process under Electron's own Node (ELECTRON_RUN_AS_NODE), exactly as under plain
// Node in tests. Configuration: <userData>/player.json
//   { "hub": "wss://…", "screen": "cong-xa", "stationKey": "/path/station.pub",
//     "capture": { "x": 0, "y": 0, "width": 640, "height": 384 }, "port": 8470 }
'use strict';

const { app, BrowserWindow, powerSaveBlocker, screen: displays } = require('electron');
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { electronWindowOptions, isAllowedNavigation, nextReloadDelayMs } = require('../window-policy.cjs');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const configFile = path.join(app.getPath('userData'), 'player.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  const port = config.port ?? 8470;
  const localOrigin = `http://127.0.0.1:${port}`;
  const crashes = [];
  let core;
  let window;

  app.setLoginItemSettings({ openAtLogin: true });
  app.commandLine.appendSwitch('force-device-scale-factor', '1');
  app.commandLine.appendSwitch('autoplay-policy', 'no-user-gesture-required');

  function startCore() {
    core = spawn(process.execPath, [path.join(__dirname, '..', '..', '..', 'bin', 'signage.js'), 'player', '--hub', config.hub, '--data', path.join(app.getPath('userData'), 'data'), '--screen', config.screen, '--station-key', config.stationKey, '--port', String(port), '--display', 'none', '--renderer', path.join(__dirname, '..', '..', '..', 'dist', 'renderer')], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: 'inherit',
    });
    // The core keeps the screen's content alive; if it dies, start it again.
    core.on('exit', () => setTimeout(startCore, 2000));
  }

  function createWindow() {
    const rect = config.capture;
    window = new BrowserWindow(electronWindowOptions({ ...rect, preload: undefined }));
    window.setMenu(null);
    window.webContents.on('will-navigate', (event, url) => {
      if (!isAllowedNavigation(url, localOrigin)) event.preventDefault();
    });
    window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    window.webContents.on('render-process-gone', () => scheduleReload());
    window.on('unresponsive', () => scheduleReload());
    window.once('ready-to-show', () => window.showInactive());
    void window.loadURL(`${localOrigin}/?player=1`);
  }

  function scheduleReload() {
    const now = Date.now();
    const delay = nextReloadDelayMs(crashes, now);
    crashes.push(now);
    if (delay === undefined) return; // too many crashes this hour: stay black rather than spin
    setTimeout(() => window && !window.isDestroyed() && window.reload(), delay);
  }

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  app.whenReady().then(() => {
    powerSaveBlocker.start('prevent-display-sleep');
    void displays; // the capture rectangle is absolute desktop coordinates, as the LED card reads them
    startCore();
    createWindow();
  });
  app.on('window-all-closed', () => {
    // A kiosk never leaves on its own: reopen the window.
    createWindow();
  });
}
