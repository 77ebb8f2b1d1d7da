import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { SIGNAGE_BIN, scratchDir } from './support/paths.ts';

// `npm start` end to end, as a new user on a machine with no display gets it: the demo commune
// is compiled and signed, a hub and four players (real SQLite files, real sockets) start, the
// players are approved and activate their bundles, and each screen is rendered to a PNG.

test('signage demo --once compiles, syncs four players and renders every screen to PNG', async () => {
  const scratch = await scratchDir('demo');
  try {
    const { NODE_TEST_CONTEXT: _ignored, DISPLAY: _display, WAYLAND_DISPLAY: _wayland, ...env } = process.env;
    const result = spawnSync(process.execPath, [SIGNAGE_BIN, 'demo', '--once', '--data', scratch.path], { encoding: 'utf8', env, timeout: 180_000 });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /display: headless/);
    const expected: Record<string, [number, number]> = { 'hoi-truong': [1920, 1080], 'quay-tiep-dan': [1080, 1920], 'cong-xa': [640, 384], 'bien-chay-chu': [192, 64] };
    for (const [screen, [width, height]] of Object.entries(expected)) {
      const line = new RegExp(`player ${screen}\\s+device [0-9a-f]{16}\\s+showing bundle [0-9a-f]{12}\\s+mode (\\w+)`).exec(result.stdout);
      assert.ok(line, `${screen} reported`);
      const mode = line[1];
      const { data, info } = await sharp(join(scratch.path, 'screens', `${screen}.png`)).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height], [width, height], screen);
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += info.channels * 97) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      // The demo runs on the real clock: outside a screen's operating hours it is black, as
      // a panel would be; otherwise several distinct colours are drawn.
      if (mode === 'off') assert.deepEqual([...colours], [0], `${screen} is black while off`);
      // The one-line sign's text enters from the right edge at the start of every pass, so a
      // picture taken at an arbitrary instant may be all black there; its size is checked.
      else if (screen !== 'bien-chay-chu') assert.ok(colours.size > 3, `${screen} shows content in mode ${mode} (${colours.size} colours sampled)`);
    }
  } finally {
    await scratch.cleanup();
  }
});
