// What the kiosk window may and may not do, shared by the Electron shell (main.cjs) and the
// Chromium launcher, and tested under plain Node. CommonJS so that Electron's main process can
// require it without a build step. Pure: no electron, no I/O.
'use strict';

/** Chromium switches for a kiosk window at an exact desktop rectangle. */
function chromiumKioskArgs({ url, x, y, width, height, userDataDir, fullScreen }) {
  if (!/^http:\/\/(127\.0\.0\.1|\[::1\]|localhost):\d+\//.test(url)) {
    throw new Error(`the kiosk only shows the local player page, not ${url}`);
  }
  const args = [
    `--user-data-dir=${userDataDir}`,
    `--app=${url}`,
    `--window-position=${x},${y}`,
    `--window-size=${width},${height}`,
    // One bundle pixel is one panel pixel, whatever the desktop's scaling.
    '--force-device-scale-factor=1',
    '--no-first-run',
    '--no-default-browser-check',
    '--noerrdialogs',
    '--disable-infobars',
    '--disable-session-crashed-bubble',
    '--disable-translate',
    '--disable-features=Translate,TouchpadOverscrollHistoryNavigation',
    '--disable-pinch',
    '--overscroll-history-navigation=0',
    '--hide-scrollbars',
    '--autoplay-policy=no-user-gesture-required',
    // Stations are offline or filtered: no background calls home.
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--check-for-update-interval=31536000',
    // The screen must keep drawing when the window is covered or the desktop locked.
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
  ];
  // --kiosk would take the whole display; an LED sending card reads only its rectangle, so
  // kiosk mode is used only when the rectangle is the whole display.
  if (fullScreen) args.push('--kiosk');
  return args;
}

/** Electron BrowserWindow options: frameless, exact rectangle, nothing an attacker could use. */
function electronWindowOptions({ x, y, width, height, preload }) {
  return {
    x,
    y,
    width,
    height,
    useContentSize: true,
    frame: false,
    resizable: false,
    movable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    alwaysOnTop: true,
    skipTaskbar: true,
    backgroundColor: '#000000',
    show: false,
    autoHideMenuBar: true,
    webPreferences: {
      preload,
      devTools: false,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      spellcheck: false,
      backgroundThrottling: false,
      zoomFactor: 1,
    },
  };
}

/** Only the local player page may be shown; everything else is blocked. */
function isAllowedNavigation(target, localOrigin) {
  try {
    return new URL(target).origin === localOrigin;
  } catch {
    return false;
  }
}

/**
 * After a renderer crash, reload; but a page that crashes in a loop must not spin the CPU:
 * reloads are spaced out and capped per hour, after which the shell shows black and waits.
 */
function nextReloadDelayMs(recentCrashTimes, nowMs, { maxPerHour = 20 } = {}) {
  const lastHour = recentCrashTimes.filter((t) => nowMs - t < 3_600_000);
  if (lastHour.length >= maxPerHour) return undefined;
  return Math.min(60_000, 1_000 * 2 ** Math.max(0, lastHour.length - 1));
}

module.exports = { chromiumKioskArgs, electronWindowOptions, isAllowedNavigation, nextReloadDelayMs };
