import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const policy = require('./window-policy.cjs') as {
  chromiumKioskArgs(options: { url: string; x: number; y: number; width: number; height: number; userDataDir: string; fullScreen: boolean }): string[];
  electronWindowOptions(options: { x: number; y: number; width: number; height: number; preload?: string }): Record<string, unknown> & { webPreferences: Record<string, unknown> };
  isAllowedNavigation(target: string, origin: string): boolean;
  nextReloadDelayMs(crashes: number[], nowMs: number, options?: { maxPerHour?: number }): number | undefined;
};

test('the Chromium kiosk opens only the local page, at the exact capture rectangle, at scale 1', () => {
  const args = policy.chromiumKioskArgs({ url: 'http://127.0.0.1:8470/?player=1', x: 640, y: 0, width: 192, height: 64, userDataDir: '/tmp/k', fullScreen: false });
  assert.ok(args.includes('--window-position=640,0'));
  assert.ok(args.includes('--window-size=192,64'));
  assert.ok(args.includes('--force-device-scale-factor=1'));
  assert.ok(!args.includes('--kiosk'), 'a partial rectangle must not go full screen');
  assert.ok(policy.chromiumKioskArgs({ url: 'http://127.0.0.1:1/', x: 0, y: 0, width: 1920, height: 1080, userDataDir: '/tmp/k', fullScreen: true }).includes('--kiosk'));
  assert.throws(() => policy.chromiumKioskArgs({ url: 'https://example.com/', x: 0, y: 0, width: 1, height: 1, userDataDir: '/tmp/k', fullScreen: false }), /only shows the local player page/);
});

test('the Electron window is frameless, has no devtools and no Node in the page', () => {
  const options = policy.electronWindowOptions({ x: 0, y: 0, width: 640, height: 384 });
  assert.equal(options.frame, false);
  assert.equal(options.webPreferences.devTools, false);
  assert.equal(options.webPreferences.nodeIntegration, false);
  assert.equal(options.webPreferences.contextIsolation, true);
  assert.equal(options.webPreferences.sandbox, true);
  assert.deepEqual([options.x, options.y, options.width, options.height], [0, 0, 640, 384]);
});

test('navigation is allowed only within the local player origin', () => {
  assert.equal(policy.isAllowedNavigation('http://127.0.0.1:8470/?player=1', 'http://127.0.0.1:8470'), true);
  assert.equal(policy.isAllowedNavigation('http://127.0.0.1:9999/', 'http://127.0.0.1:8470'), false);
  assert.equal(policy.isAllowedNavigation('https://gambling.example/', 'http://127.0.0.1:8470'), false);
  assert.equal(policy.isAllowedNavigation('not a url', 'http://127.0.0.1:8470'), false);
});

test('reloads after crashes back off and stop after the hourly cap', () => {
  const now = 10_000_000;
  assert.equal(policy.nextReloadDelayMs([], now), 1_000);
  assert.equal(policy.nextReloadDelayMs([now - 5_000, now - 1_000], now), 2_000);
  const many = Array.from({ length: 20 }, (_, i) => now - i * 1_000);
  assert.equal(policy.nextReloadDelayMs(many, now), undefined);
  // Crashes older than an hour no longer count.
  assert.equal(policy.nextReloadDelayMs(many.map((t) => t - 3_700_000), now), 1_000);
});
