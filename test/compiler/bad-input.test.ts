import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SIGNAGE_BIN, copySamples, scratchDir } from '../support/paths.ts';

// Each kind of bad input gives a non-zero exit and a message naming the file and the field,
// and leaves an existing output directory exactly as it was.

let root: string;
let cleanup: () => Promise<void>;
let caseNumber = 0;

before(async () => {
  const scratch = await scratchDir('bad-input');
  root = scratch.path;
  cleanup = scratch.cleanup;
});
after(() => cleanup());

const GOOD_FRONT = {
  id: 'thong-bao-moi',
  title: 'Thông báo lịch thu thuế',
  category: 'thong-bao',
  priority: 'normal',
  valid: '{ from: "2026-11-20T00:00:00+07:00", to: "2026-12-20T00:00:00+07:00" }',
  targets: '[xa-ia-drang]',
  approval: '{ by: "Ksor Thuận", role: "Chủ tịch UBND xã", at: "2026-11-19T08:00:00+07:00" }',
};

function noticeText(front: Record<string, string>, body = 'Người nộp thuế đến Ủy ban nhân dân xã để được hướng dẫn.'): string {
  return `---\n${Object.entries(front).map(([k, v]) => `${k}: ${v}`).join('\n')}\n---\n${body}\n`;
}

function signage(args: string[]): { status: number | null; stderr: string; stdout: string } {
  const { NODE_TEST_CONTEXT: _ignored, ...env } = process.env;
  const result = spawnSync(process.execPath, [SIGNAGE_BIN, ...args], { encoding: 'utf8', env: { ...env, SIGNAGE_CACHE_DIR: join(root, 'cache') } });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

/** Copies the samples, applies `mutate`, compiles into a directory that already holds a good compile. */
async function compileBroken(mutate: (paths: { notices: string; site: string; images: string }) => Promise<void>) {
  caseNumber += 1;
  const paths = await copySamples(join(root, `case-${caseNumber}`));
  const out = join(root, `case-${caseNumber}`, 'out');
  const args = ['compile', '--notices', paths.notices, '--site', paths.site, '--out', out, '--at', '2026-11-21T08:00:00+07:00', '--quiet'];
  const good = signage(args);
  assert.equal(good.status, 0, good.stderr);
  const before = await readFile(join(out, 'screens', 'ubnd-sanh', 'manifest.json'));
  await mutate(paths);
  const result = signage(args);
  const after = await readFile(join(out, 'screens', 'ubnd-sanh', 'manifest.json'));
  assert.ok(before.equals(after), 'the previous output is untouched');
  return { ...result, paths };
}

function assertNames(result: { status: number | null; stderr: string }, expected: { file: string; field?: string; code: string }) {
  assert.equal(result.status, 1, result.stderr);
  const line = result.stderr.split('\n').find((l) => l.includes(expected.code));
  assert.ok(line, `stderr names ${expected.code}:\n${result.stderr}`);
  assert.ok(line.includes(expected.file), `names the file ${expected.file}: ${line}`);
  if (expected.field) assert.ok(line.includes(`field ${expected.field}`), `names the field ${expected.field}: ${line}`);
}

test('malformed front matter', async () => {
  const r = await compileBroken(async ({ notices }) => {
    await writeFile(join(notices, 'hong.md'), '---\nid: hong\ntitle: [chưa đóng ngoặc\n---\nNội dung.\n');
  });
  assertNames(r, { file: 'hong.md', code: 'NOTICE_YAML' });
});

test('front matter missing altogether', async () => {
  const r = await compileBroken(async ({ notices }) => {
    await writeFile(join(notices, 'khong-co.md'), 'Chỉ có nội dung, không có phần đầu.\n');
  });
  assertNames(r, { file: 'khong-co.md', code: 'NOTICE_FRONT_MATTER' });
});

test('an unknown field (a misspelt approval)', async () => {
  const r = await compileBroken(async ({ notices }) => {
    const { approval, ...rest } = GOOD_FRONT;
    await writeFile(join(notices, 'sai-ten.md'), noticeText({ ...rest, approvel: approval }));
  });
  assertNames(r, { file: 'sai-ten.md', code: 'NOTICE_UNKNOWN_FIELD' });
  assert.match(r.stderr, /approvel/);
});

test('a missing image', async () => {
  const r = await compileBroken(async ({ notices }) => {
    await writeFile(join(notices, 'thieu-anh.md'), noticeText({ ...GOOD_FRONT, images: '[../images/khong-ton-tai.jpg]' }));
  });
  assertNames(r, { file: 'thieu-anh.md', field: 'images[0]', code: 'NOTICE_IMAGE_MISSING' });
});

test('a corrupt (truncated) image', async () => {
  const r = await compileBroken(async ({ notices, images }) => {
    const jpeg = await readFile(join(images, 'lang-que.jpg'));
    await writeFile(join(images, 'cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 3)));
    await writeFile(join(notices, 'anh-hong.md'), noticeText({ ...GOOD_FRONT, images: '[../images/cut.jpg]' }));
  });
  assertNames(r, { file: 'anh-hong.md', field: 'images[0]', code: 'IMAGE_UNREADABLE' });
});

test('a file that is not an image', async () => {
  const r = await compileBroken(async ({ notices, images }) => {
    await writeFile(join(images, 'ghi-chu.png'), 'đây không phải là ảnh');
    await writeFile(join(notices, 'khong-phai-anh.md'), noticeText({ ...GOOD_FRONT, images: '[../images/ghi-chu.png]' }));
  });
  assertNames(r, { file: 'khong-phai-anh.md', field: 'images[0]', code: 'IMAGE_UNREADABLE' });
});

test('a remote image address', async () => {
  const r = await compileBroken(async ({ notices }) => {
    await writeFile(join(notices, 'anh-mang.md'), noticeText({ ...GOOD_FRONT, images: '["https://example.com/a.jpg"]' }));
  });
  assertNames(r, { file: 'anh-mang.md', field: 'images[0]', code: 'NOTICE_IMAGE_REMOTE' });
});

test('legacy TCVN3-encoded text pasted from an old Word file', async () => {
  const r = await compileBroken(async ({ notices }) => {
    // "Thông báo lịch tiếp công dân" typed in TCVN3 (.VnTime) and read as Latin-1.
    await writeFile(join(notices, 'tcvn3.md'), noticeText({ ...GOOD_FRONT, title: 'Th«ng b¸o lÞch tiÕp c«ng d©n' }));
  });
  assertNames(r, { file: 'tcvn3.md', field: 'title', code: 'TEXT_LEGACY_ENCODING' });
  assert.match(r.stderr, /TCVN3/);
});

test('valid.to before valid.from', async () => {
  const r = await compileBroken(async ({ notices }) => {
    await writeFile(join(notices, 'nguoc.md'), noticeText({ ...GOOD_FRONT, valid: '{ from: "2026-12-20T00:00:00+07:00", to: "2026-11-20T00:00:00+07:00" }' }));
  });
  assertNames(r, { file: 'nguoc.md', field: 'valid.to', code: 'NOTICE_VALID_RANGE' });
});

test('a date-time without an offset', async () => {
  const r = await compileBroken(async ({ notices }) => {
    await writeFile(join(notices, 'khong-mui-gio.md'), noticeText({ ...GOOD_FRONT, valid: '{ from: "2026-11-20T00:00:00", to: "2026-12-20T00:00:00+07:00" }' }));
  });
  assertNames(r, { file: 'khong-mui-gio.md', field: 'valid.from', code: 'NOTICE_FIELD' });
});

test('an unknown layout', async () => {
  const r = await compileBroken(async ({ site }) => {
    const text = await readFile(site, 'utf8');
    await writeFile(site, text.replace('layout: led-gon', 'layout: led-rat-to'));
  });
  assertNames(r, { file: 'site.yaml', field: 'screens[2].layout', code: 'SITE_FIELD' });
  assert.match(r.stderr, /must be one of bang-tin-ngang, bang-tin-doc, led-gon, led-chay-chu/);
});

test('a screen size of 0', async () => {
  const r = await compileBroken(async ({ site }) => {
    const text = await readFile(site, 'utf8');
    await writeFile(site, text.replace('size: { width: 640, height: 384 }', 'size: { width: 0, height: 384 }'));
  });
  assertNames(r, { file: 'site.yaml', field: 'screens[2].size.width', code: 'SITE_FIELD' });
});

test('a title whose longest word cannot be legible on the P10 wall fails naming notice and screen', async () => {
  const r = await compileBroken(async ({ notices, site }) => {
    const text = await readFile(site, 'utf8');
    // A 120 px wide P10 wall: "CHỦ-TỊCH-ỦY-BAN-NHÂN-DÂN" cannot fit at 24 px.
    await writeFile(site, text.replace('size: { width: 640, height: 384 }', 'size: { width: 120, height: 200 }'));
    await writeFile(join(notices, 'tu-dai.md'), noticeText({ ...GOOD_FRONT, title: 'CHỦ-TỊCH-ỦY-BAN-NHÂN-DÂN-XÃ-THÔNG-BÁO' }));
  });
  assertNames(r, { file: 'tu-dai.md', code: 'TEXT_WORD_TOO_WIDE' });
  assert.match(r.stderr, /screen cong-xa/);
});

test('a missing notices directory and a missing site file', async () => {
  await mkdir(join(root, 'empty'), { recursive: true });
  const missingSite = signage(['compile', '--notices', join(root, 'empty'), '--site', join(root, 'none.yaml'), '--out', join(root, 'o')]);
  assertNames(missingSite, { file: 'none.yaml', code: 'SITE_UNREADABLE' });
  const usage = signage(['compile', '--site', join(root, 'none.yaml')]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--notices is required/);
});
