import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { compile } from '../../compiler/compile.ts';
import type { BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import { feedSigningText, SOURCE_FEED_FORMAT } from '../../compiler/format/source-feed.ts';
import { SOURCE_RSS_NAMESPACE } from '../../compiler/format/source-rss.ts';
import { loadApproverKeys, writeApproverRegistry } from '../../compiler/io/approver-registry-file.ts';
import { approveNotice } from '../../compiler/io/approve-notice.ts';
import { loadTrustedSources, pullSourceFeed, PullFailure, PULL_LEDGER_FILE } from '../../compiler/io/source-pull.ts';
import { generateStationKeyPair, keyId, loadPrivateKey, loadPublicKey, sha256Hex, signBytes } from '../../compiler/trust/station-key.ts';
import { SHARED_SAMPLES, SIGNAGE_BIN, scratchDir } from '../support/paths.ts';

// The provincial source-feed adapter (issue 5, item 9), with real files and a real HTTP
// server on 127.0.0.1: items land as drafts unless the feed's signature verifies against a
// trusted source key; a malformed item is named and the others still land; pulling twice
// changes nothing; a file edited here is never overwritten.

let root: string;
let cleanup: () => Promise<void>;
let server: Server;
let base: string;
const served = new Map<string, Buffer>();
let cases = 0;

const sourceKeys = generateStationKeyPair();
const sourcePublic = loadPublicKey(sourceKeys.publicKeyPem);
const sourcePrivate = loadPrivateKey(sourceKeys.privateKeyPem);
let trustFile: string;
let picture: Buffer;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('source-pull'));
  picture = await readFile(join(SHARED_SAMPLES, 'images', 'lang-que.jpg'));
  served.set('/anh/lang-que.jpg', picture);
  server = createServer((request, response) => {
    const body = served.get(request.url ?? '');
    if (!body) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': request.url?.endsWith('.json') ? 'application/json' : 'image/jpeg' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  trustFile = join(root, 'trusted-sources.yaml');
  await writeFile(trustFile, stringify({ sources: [{ id: 'stttt-gia-lai', name: 'Hệ thống thông tin nguồn tỉnh Gia Lai', keyId: keyId(sourcePublic), publicKey: sourceKeys.publicKeyPem }] }));
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await cleanup();
});

function item(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    title: 'Tuyên truyền: bầu cử đại biểu Hội đồng nhân dân',
    category: 'tuyen-truyen',
    priority: 'normal',
    valid: { from: '2026-11-20T00:00:00+07:00', to: '2026-12-20T00:00:00+07:00' },
    targets: ['tinh-gia-lai'],
    body: 'Ngày bầu cử là **Chủ nhật**.\n\n- Mang theo căn cước\n- Đến đúng giờ',
    ...extra,
  };
}

function feed(items: unknown[], options: { sign?: boolean } = {}): Record<string, unknown> {
  const unsigned = { format: SOURCE_FEED_FORMAT, source: 'stttt-gia-lai', name: 'Hệ thống thông tin nguồn tỉnh Gia Lai', generatedAt: '2026-11-21T07:00:00+07:00', items };
  return options.sign ? { ...unsigned, signature: signBytes(Buffer.from(feedSigningText(unsigned), 'utf8'), sourcePrivate) } : unsigned;
}

const withPicture = () => item('tiem-phong-dai', { title: 'Tiêm phòng dại cho chó mèo', images: [{ url: '/anh/lang-que.jpg', sha256: sha256Hex(picture) }] });

async function store(): Promise<{ dir: string; notices: string }> {
  cases += 1;
  const dir = join(root, `case-${cases}`);
  await mkdir(join(dir, 'notices'), { recursive: true });
  return { dir, notices: join(dir, 'notices') };
}

async function serveFeed(name: string, body: Record<string, unknown>): Promise<string> {
  served.set(`/${name}.json`, Buffer.from(JSON.stringify(body)));
  return `${base}/${name}.json`;
}

async function snapshot(dir: string): Promise<Map<string, { bytes: string; mtimeMs: number }>> {
  const files = new Map<string, { bytes: string; mtimeMs: number }>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path, { bytes: sha256Hex(await readFile(path)), mtimeMs: (await stat(path)).mtimeMs });
  }
  return files;
}

test('an unsigned feed file lands as drafts; a malformed item is named with feed, item and field, and the others still land', async () => {
  const s = await store();
  const feedFile = join(s.dir, 'feed.json');
  const bad = item('lich-sai', { valid: { from: '2026-11-20', to: '2026-12-20T00:00:00+07:00' }, colour: 'red' });
  await writeFile(feedFile, JSON.stringify(feed([item('bau-cu-hdnd'), bad, item('thu-thue', { title: '' })])));
  const result = await pullSourceFeed({ feed: feedFile, noticesDir: s.notices, trusted: await loadTrustedSources(trustFile) });
  assert.equal(result.trust, 'unsigned');
  assert.deepEqual(result.items.map((i) => [i.id, i.action, i.approved]), [['bau-cu-hdnd', 'create', false]]);
  const errors = result.problems.filter((p) => p.severity === 'error');
  assert.deepEqual(errors.map((p) => [p.feed, p.item, p.field]), [
    [feedFile, 'items[1] (lich-sai)', 'valid.from'],
    [feedFile, 'items[1] (lich-sai)', '(item)'],
    [feedFile, 'items[2] (thu-thue)', 'title'],
  ]);
  assert.match(errors[1]!.message, /colour/);
  assert.match(result.problems.find((p) => p.severity === 'warning')!.message, /not signed; its items are written as drafts/);
  const text = await readFile(join(s.notices, 'bau-cu-hdnd.md'), 'utf8');
  assert.ok(!/^approval:/m.test(text), 'a draft has no approval');
  assert.match(text, /^title: "Tuyên truyền: bầu cử đại biểu Hội đồng nhân dân"$/m);
  assert.equal(text, text.normalize('NFC'));

  // The draft compiles as a draft: skipped, "not approved".
  const report = await compile({ noticesDir: s.notices, siteFile: join(SHARED_SAMPLES, 'site.yaml'), outDir: join(s.dir, 'out'), atMs: Date.parse('2026-11-21T08:00:00+07:00'), cacheDir: join(root, 'cache') });
  assert.match(report.skipped.find((n) => n.id === 'bau-cu-hdnd')!.reason, /not approved/);
});

test('a signed feed over HTTP from a trusted source lands approved by the source, picture included, and compiles', async () => {
  const s = await store();
  const url = await serveFeed('signed', feed([item('bau-cu-hdnd'), withPicture()], { sign: true }));
  const result = await pullSourceFeed({ feed: url, noticesDir: s.notices, trusted: await loadTrustedSources(trustFile) });
  assert.equal(result.trust, 'verified');
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.items.map((i) => [i.id, i.action, i.approved]), [['bau-cu-hdnd', 'create', true], ['tiem-phong-dai', 'create', true]]);
  const text = await readFile(join(s.notices, 'tiem-phong-dai.md'), 'utf8');
  assert.match(text, /approval:\n {2}by: "Hệ thống thông tin nguồn tỉnh Gia Lai"\n {2}role: "Hệ thống thông tin nguồn"\n {2}at: "2026-11-21T07:00:00\+07:00"/);
  const imageRef = `source-images/${sha256Hex(picture)}.jpg`;
  assert.ok(text.includes(`images: ["${imageRef}"]`));
  assert.deepEqual(await readFile(join(s.notices, imageRef)), picture);

  const out = join(s.dir, 'out');
  const report = await compile({ noticesDir: s.notices, siteFile: join(SHARED_SAMPLES, 'site.yaml'), outDir: out, atMs: Date.parse('2026-11-21T08:00:00+07:00'), cacheDir: join(root, 'cache') });
  assert.deepEqual(report.compiled, ['bau-cu-hdnd', 'tiem-phong-dai']);
  const manifest = JSON.parse(await readFile(join(out, 'screens', 'ubnd-sanh', 'manifest.json'), 'utf8')) as BundleManifest;
  assert.equal(manifest.notices.find((n) => n.id === 'tiem-phong-dai')!.approval.by, 'Hệ thống thông tin nguồn tỉnh Gia Lai');
});

test('pulling the same feed twice changes nothing', async () => {
  const s = await store();
  const url = await serveFeed('twice', feed([item('bau-cu-hdnd'), withPicture()], { sign: true }));
  const trusted = await loadTrustedSources(trustFile);
  await pullSourceFeed({ feed: url, noticesDir: s.notices, trusted });
  const first = await snapshot(s.notices);
  assert.ok(first.has(join(s.notices, PULL_LEDGER_FILE)));
  const again = await pullSourceFeed({ feed: url, noticesDir: s.notices, trusted });
  assert.deepEqual(again.items.map((i) => i.action), ['unchanged', 'unchanged']);
  assert.deepEqual(await snapshot(s.notices), first, 'same files, same bytes, not even rewritten');
});

test('an altered signed feed, or one signed by another key, lands as drafts with a warning', async () => {
  const s = await store();
  const trusted = await loadTrustedSources(trustFile);
  const signed = feed([item('bau-cu-hdnd')], { sign: true });
  const altered = { ...signed, items: [item('bau-cu-hdnd', { title: 'Bầu cử: thay đổi địa điểm' })] };
  const result = await pullSourceFeed({ feed: await serveFeed('altered', altered), noticesDir: s.notices, trusted });
  assert.equal(result.trust, 'bad-signature');
  assert.equal(result.items[0]!.approved, false);
  assert.match(result.problems[0]!.message, /does not match the feed's content/);
  const other = generateStationKeyPair();
  const unsigned = feed([item('thu-thue')]);
  const foreign = { ...unsigned, signature: signBytes(Buffer.from(feedSigningText(unsigned), 'utf8'), loadPrivateKey(other.privateKeyPem)) };
  const second = await pullSourceFeed({ feed: await serveFeed('foreign', foreign), noticesDir: s.notices, trusted });
  assert.equal(second.trust, 'wrong-key');
  assert.equal(second.problems[0]!.field, 'signature.keyId');
  assert.ok(!/^approval:/m.test(await readFile(join(s.notices, 'thu-thue.md'), 'utf8')));
});

test('a file edited here is kept when the feed changes, a local notice of the same name is never touched, and feed updates reach untouched files', async () => {
  const s = await store();
  const trusted = await loadTrustedSources(trustFile);
  const local = '---\nid: thu-thue\ntitle: Thu thuế\ncategory: thong-bao\npriority: normal\nvalid: { from: "2026-11-20T00:00:00+07:00", to: "2026-12-20T00:00:00+07:00" }\ntargets: [xa-ia-drang]\n---\nNội dung của xã.\n';
  await writeFile(join(s.notices, 'thu-thue.md'), local);
  await pullSourceFeed({ feed: await serveFeed('v1', feed([item('bau-cu-hdnd'), item('tiem-chung')])), noticesDir: s.notices, trusted });
  const edited = (await readFile(join(s.notices, 'bau-cu-hdnd.md'), 'utf8')).replace('Đến đúng giờ', 'Đến trước 7 giờ');
  await writeFile(join(s.notices, 'bau-cu-hdnd.md'), edited);

  const v2 = feed([item('bau-cu-hdnd', { body: 'Lịch mới.' }), item('tiem-chung', { body: 'Lịch mới.' }), item('thu-thue')]);
  const result = await pullSourceFeed({ feed: await serveFeed('v2', v2), noticesDir: s.notices, trusted });
  assert.deepEqual(result.items.map((i) => [i.id, i.action]), [['bau-cu-hdnd', 'kept-local-edit'], ['tiem-chung', 'update'], ['thu-thue', 'not-ours']]);
  assert.equal(await readFile(join(s.notices, 'bau-cu-hdnd.md'), 'utf8'), edited);
  assert.match(await readFile(join(s.notices, 'tiem-chung.md'), 'utf8'), /Lịch mới\./);
  assert.equal(await readFile(join(s.notices, 'thu-thue.md'), 'utf8'), local);
  assert.match(result.problems.find((p) => p.item?.includes('bau-cu-hdnd'))!.message, /edited here since the last pull.*kept/);
  const notOurs = result.problems.find((p) => p.item?.includes('thu-thue'))!;
  assert.equal(notOurs.severity, 'error');
  assert.match(notOurs.message, /was not written by a pull from stttt-gia-lai; it is left alone/);
});

test('a picture whose bytes do not match the feed\'s sha256 keeps its item out and names the field', async () => {
  const s = await store();
  const wrong = item('tiem-phong-dai', { images: [{ url: '/anh/lang-que.jpg', sha256: '0'.repeat(64) }] });
  const missing = item('mat-anh', { images: [{ url: '/anh/khong-co.jpg', sha256: sha256Hex(picture) }] });
  const result = await pullSourceFeed({ feed: await serveFeed('pictures', feed([wrong, missing, item('bau-cu-hdnd')])), noticesDir: s.notices });
  assert.deepEqual(result.items.map((i) => i.id), ['bau-cu-hdnd']);
  const [sha, fetchError] = result.problems;
  assert.equal(sha!.field, 'images[0].sha256');
  assert.match(sha!.message, /has sha256 [0-9a-f]{64}, not 0{64}/);
  assert.equal(fetchError!.field, 'images[0].url');
  assert.match(fetchError!.message, /HTTP 404/);
});

test('a feed that is not JSON, or not this format, fails as a whole and writes nothing', async () => {
  const s = await store();
  served.set('/broken.json', Buffer.from('{"format": '));
  await assert.rejects(pullSourceFeed({ feed: `${base}/broken.json`, noticesDir: s.notices }), (error: PullFailure) => error instanceof PullFailure && /not UTF-8 JSON or RSS/.test(error.message));
  served.set('/broken.rss', Buffer.from('<rss version="2.0"><channel>'));
  await assert.rejects(pullSourceFeed({ feed: `${base}/broken.rss`, noticesDir: s.notices }), /the RSS feed is unusable: not well-formed XML/);
  await assert.rejects(pullSourceFeed({ feed: await serveFeed('old', { ...feed([]), format: 'other/2' }), noticesDir: s.notices }), /field format.*signage-source-feed\/1/);
  await assert.rejects(pullSourceFeed({ feed: `${base}/nothing-here.json`, noticesDir: s.notices }), /HTTP 404/);
  assert.deepEqual(await readdir(s.notices), []);
});

test('with an adapter approver, source-approved notices carry a signed approval that compiles under --approvers', async () => {
  const s = await store();
  const pair = generateStationKeyPair();
  const adapter = { id: 'nguon-tinh', name: 'Cổng nhận tin nguồn', role: 'Tài khoản tự động của trạm', keyId: keyId(loadPublicKey(pair.publicKeyPem)), publicKey: pair.publicKeyPem, added: '2026-11-01T08:00:00+07:00' };
  const registryFile = join(s.dir, 'approvers.yaml');
  await writeApproverRegistry(registryFile, { approvers: [adapter] });
  const url = await serveFeed('adapter', feed([withPicture()], { sign: true }));
  await pullSourceFeed({ feed: url, noticesDir: s.notices, trusted: await loadTrustedSources(trustFile), signer: { approver: adapter, privateKey: loadPrivateKey(pair.privateKeyPem) } });
  const out = join(s.dir, 'out');
  const report = await compile({ noticesDir: s.notices, siteFile: join(SHARED_SAMPLES, 'site.yaml'), outDir: out, atMs: Date.parse('2026-11-21T08:00:00+07:00'), cacheDir: join(root, 'cache'), approvers: { file: registryFile, keys: await loadApproverKeys(registryFile) } });
  assert.deepEqual(report.compiled, ['tiem-phong-dai']);
  const manifest = JSON.parse(await readFile(join(out, 'screens', 'cong-xa', 'manifest.json'), 'utf8')) as BundleManifest;
  assert.deepEqual(manifest.notices[0]!.approval, { by: 'Hệ thống thông tin nguồn tỉnh Gia Lai', role: 'Hệ thống thông tin nguồn', at: '2026-11-21T07:00:00+07:00', approver: 'nguon-tinh', verified: true });
  // Idempotent with signing too: Ed25519 signatures are deterministic.
  const again = await pullSourceFeed({ feed: url, noticesDir: s.notices, trusted: await loadTrustedSources(trustFile), signer: { approver: adapter, privateKey: loadPrivateKey(pair.privateKeyPem) } });
  assert.deepEqual(again.items.map((i) => i.action), ['unchanged']);
});

test('the command line: source sign, then source pull from a URL reports each item and exits 1 for a malformed one', async () => {
  const s = await store();
  const keyFile = join(s.dir, 'source.key');
  await writeFile(keyFile, sourceKeys.privateKeyPem);
  const unsignedFile = join(s.dir, 'feed.json');
  await writeFile(unsignedFile, JSON.stringify(feed([item('bau-cu-hdnd'), item('Sai-Id')])));
  // Asynchronous: the feed is served by this process, whose event loop must keep running.
  const run = (args: string[]) =>
    new Promise<{ status: number | null; out: string }>((resolve) => {
      const { NODE_TEST_CONTEXT: _ignored, ...env } = process.env;
      execFile(process.execPath, [SIGNAGE_BIN, ...args], { encoding: 'utf8', env }, (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, out: `${stdout}${stderr}` }));
    });
  const signedFile = join(s.dir, 'signed.json');
  const sign = await run(['source', 'sign', unsignedFile, '--key', keyFile, '--out', signedFile]);
  assert.equal(sign.status, 0, sign.out);
  served.set('/cli.json', await readFile(signedFile));
  const pull = await run(['source', 'pull', '--feed', `${base}/cli.json`, '--notices', s.notices, '--trust', trustFile]);
  assert.equal(pull.status, 1, pull.out);
  assert.match(pull.out, /signature verified\): 1 items; create 1/);
  assert.match(pull.out, /create +bau-cu-hdnd → .*\(approved by the source\)/);
  assert.match(pull.out, /error \(http:\/\/127\.0\.0\.1:\d+\/cli\.json, items\[1\] \(Sai-Id\), field id\): must be lower-case/);
  const again = await run(['source', 'pull', '--feed', `${base}/cli.json`, '--notices', s.notices, '--trust', trustFile, '--json']);
  assert.deepEqual((JSON.parse(again.out.split('\n')[0]!) as { items: { action: string }[] }).items.map((i) => i.action), ['unchanged']);
});

test('the RSS 2.0 variant maps items to notices, always as drafts, and names a malformed item\'s field', async () => {
  const s = await store();
  const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:bt="${SOURCE_RSS_NAMESPACE}">
  <channel>
    <title>Hệ thống thông tin nguồn tỉnh Gia Lai</title>
    <bt:source>stttt-gia-lai</bt:source>
    <lastBuildDate>Sat, 21 Nov 2026 07:00:00 +0700</lastBuildDate>
    <item>
      <guid isPermaLink="false">tiem-phong-dai</guid>
      <title>Tiêm phòng dại cho chó mèo</title>
      <category>y-te</category>
      <description><![CDATA[Tiêm miễn phí tại **nhà văn hóa** thôn.]]></description>
      <pubDate>Fri, 20 Nov 2026 01:00:00 GMT</pubDate>
      <bt:validTo>2026-12-20T00:00:00+07:00</bt:validTo>
      <bt:target>tinh-gia-lai</bt:target>
      <enclosure url="/anh/lang-que.jpg" type="image/jpeg" length="${picture.length}" bt:sha256="${sha256Hex(picture)}"/>
    </item>
    <item>
      <guid>thieu-han</guid>
      <title>Thiếu ngày hết hạn</title>
      <category>thong-bao</category>
      <description>x</description>
      <pubDate>Fri, 20 Nov 2026 01:00:00 GMT</pubDate>
      <bt:target>tinh-gia-lai</bt:target>
    </item>
  </channel>
</rss>`;
  served.set('/feed.rss', Buffer.from(rss));
  const result = await pullSourceFeed({ feed: `${base}/feed.rss`, noticesDir: s.notices, trusted: await loadTrustedSources(trustFile) });
  assert.equal(result.trust, 'unsigned');
  assert.deepEqual(result.items.map((i) => [i.id, i.action, i.approved]), [['tiem-phong-dai', 'create', false]]);
  const error = result.problems.find((p) => p.severity === 'error')!;
  assert.deepEqual([error.item, error.field], ['items[1] (thieu-han)', 'valid.to']);
  const text = await readFile(join(s.notices, 'tiem-phong-dai.md'), 'utf8');
  assert.match(text, /^valid: \{ from: "2026-11-20T08:00:00\+07:00", to: "2026-12-20T00:00:00\+07:00" \}$/m);
  assert.match(text, /^category: y-te$/m);
  assert.ok(text.endsWith('---\nTiêm miễn phí tại **nhà văn hóa** thôn.\n'));
  assert.deepEqual(await readFile(join(s.notices, `source-images/${sha256Hex(picture)}.jpg`)), picture);
});

test('a pulled draft approved here keeps its approval when the same feed is pulled again', async () => {
  const s = await store();
  const pair = generateStationKeyPair();
  const officer = { id: 'ksor-thuan', name: 'Ksor Thuận', role: 'Chủ tịch UBND xã', keyId: keyId(loadPublicKey(pair.publicKeyPem)), publicKey: pair.publicKeyPem, added: '2026-11-01T08:00:00+07:00' };
  const url = await serveFeed('approve-here', feed([withPicture()]));
  await pullSourceFeed({ feed: url, noticesDir: s.notices });
  const path = join(s.notices, 'tiem-phong-dai.md');
  await approveNotice({ file: path, approver: officer, privateKey: loadPrivateKey(pair.privateKeyPem), atMs: Date.parse('2026-11-21T07:30:00+07:00') });
  const approved = await readFile(path, 'utf8');
  assert.match(approved, /^# From the source feed of/m, 'the provenance comment survives approval');
  const again = await pullSourceFeed({ feed: url, noticesDir: s.notices });
  assert.deepEqual(again.items.map((i) => i.action), ['unchanged']);
  assert.deepEqual(again.problems, []);
  assert.equal(await readFile(path, 'utf8'), approved);
});
