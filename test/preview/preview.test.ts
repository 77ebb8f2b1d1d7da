import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright';
import { buildRenderer } from '../../player/renderer/build.ts';
import { PreviewCompiler } from '../../player/preview/preview-compiler.ts';
import { startPreviewServer, type PreviewServer } from '../../player/preview/preview-server.ts';
import { launchBrowser } from '../../player/snapshot/renderer-session.ts';
import { copySamples, scratchDir } from '../support/paths.ts';

// The editors' preview, driven as an editor would: open the page in Chromium, see every
// screen, change a notice file, see the change; break a file, see the error beside the right
// screen while the last good version stays up.

let browser: Browser;
let page: Page;
let server: PreviewServer;
let compiler: PreviewCompiler;
let paths: { notices: string; site: string; images: string };
let cleanup: () => Promise<void>;

before(async () => {
  const scratch = await scratchDir('preview');
  cleanup = scratch.cleanup;
  paths = await copySamples(join(scratch.path, 'in'));
  compiler = new PreviewCompiler({
    noticesDir: paths.notices,
    siteFile: paths.site,
    workDir: join(scratch.path, 'work'),
    clock: () => Date.parse('2026-11-21T08:00:00+07:00'),
    onChange: () => server?.notify(),
    debounceMs: 50,
  });
  await compiler.start();
  server = await startPreviewServer({ compiler, rendererDir: await buildRenderer() });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
  await page.goto(server.url);
});

after(async () => {
  await browser?.close();
  await server?.close();
  await compiler?.stop();
  await cleanup();
});

// Page-side code is written as strings: this file is type-checked as Node code, without DOM types.
async function generationShown(): Promise<number> {
  return Number(await page.evaluate('document.body.dataset.generation || "0"'));
}

test('every screen of the site appears at its true proportions, rendered with WebGL', async () => {
  await page.waitForFunction('document.body.dataset.generation === "1"', undefined, { timeout: 30_000 });
  const cards = (await page.evaluate(
    '[...document.querySelectorAll(".card")].map((n) => ({ screen: n.dataset.screen, w: n.querySelector(".frame").offsetWidth, h: n.querySelector(".frame").offsetHeight }))',
  )) as { screen: string; w: number; h: number }[];
  assert.deepEqual(cards.map((c) => c.screen), ['ubnd-sanh', 'ubnd-kiosk', 'cong-xa', 'cong-xa-p10']);
  const sizes: Record<string, [number, number]> = { 'ubnd-sanh': [1920, 1080], 'ubnd-kiosk': [1080, 1920], 'cong-xa': [640, 384], 'cong-xa-p10': [192, 64] };
  const scale = cards[0]!.w / 1920;
  for (const card of cards) {
    const [w, h] = sizes[card.screen!]!;
    assert.ok(Math.abs(card.w - w * scale) <= 1 && Math.abs(card.h - h * scale) <= 1, `${card.screen} at true proportions`);
  }
  for (const frame of page.frames().filter((f) => f.url().includes('/renderer/'))) {
    await frame.waitForFunction('window.signageRenderer !== undefined', undefined, { timeout: 30_000 });
    assert.equal(await frame.evaluate('window.signageRenderer.rendererName'), 'webgl');
  }
  const global = await page.textContent('#global');
  assert.match(global ?? '', /du-thao-chua-duyet/, 'the skipped draft is listed with its reason');
});

test('editing a notice recompiles and refreshes the open page', async () => {
  const before = await generationShown();
  const file = join(paths.notices, 'tiep-cong-dan.md');
  const started = performance.now();
  await writeFile(file, (await readFile(file, 'utf8')).replace('Lịch tiếp công dân định kỳ', 'Lịch tiếp công dân tháng 12'));
  await page.waitForFunction(`Number(document.body.dataset.generation) > ${before}`, undefined, { timeout: 10_000 });
  const elapsed = performance.now() - started;
  process.stderr.write(`# preview: file change → page on the new generation in ${Math.round(elapsed)} ms\n`);
  const generation = await generationShown();
  const manifest = await (await fetch(`${server.url}gen/${generation}/all/screens/ubnd-sanh/manifest.json`)).text();
  assert.match(manifest, /Lịch tiếp công dân tháng 12/);
});

test('a broken file keeps the last good version and shows the error; a too-long word shows on its screen', async () => {
  const good = await generationShown();
  await writeFile(join(paths.notices, 'tcvn3.md'), '---\nid: tcvn3\ntitle: Th«ng b¸o lÞch tiÕp c«ng d©n\ncategory: thong-bao\npriority: normal\nvalid: { from: "2026-11-20T00:00:00+07:00", to: "2026-12-20T00:00:00+07:00" }\ntargets: [xa-ia-drang]\napproval: { by: "A", role: "B", at: "2026-11-19T08:00:00+07:00" }\n---\nNội dung.\n');
  await page.waitForFunction('getComputedStyle(document.getElementById("failure")).display === "block"', undefined, { timeout: 10_000 });
  assert.match((await page.textContent('#failure')) ?? '', /TEXT_LEGACY_ENCODING/);
  assert.equal(await generationShown(), good, 'the last good generation stays on screen');

  await writeFile(join(paths.notices, 'tcvn3.md'), '---\nid: tu-dai\ntitle: CHỦ-TỊCH-ỦY-BAN-NHÂN-DÂN-XÃ-IA-DRĂNG-THÔNG-BÁO\ncategory: thong-bao\npriority: normal\nvalid: { from: "2026-11-20T00:00:00+07:00", to: "2026-12-20T00:00:00+07:00" }\ntargets: [xa-ia-drang]\napproval: { by: "A", role: "B", at: "2026-11-19T08:00:00+07:00" }\n---\nNội dung.\n');
  await page.waitForFunction('(document.querySelector(\'.card[data-screen="cong-xa"] .problems\')?.textContent ?? "").includes("TEXT_WORD_TOO_WIDE")', undefined, { timeout: 10_000 });
  const ledProblems = await page.textContent('.card[data-screen="cong-xa"] .problems');
  assert.match(ledProblems ?? '', /tcvn3\.md/);
});
