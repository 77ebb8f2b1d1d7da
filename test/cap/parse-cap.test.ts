import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCap, parseCapDocument, type CapFeedEntry } from '../../compiler/cap/parse-cap.ts';
import { decodeCapBytes, readCapFile } from '../../compiler/cap/read-cap-input.ts';
import { scratchDir } from '../support/paths.ts';
import { SAMPLE_ALERT, SAMPLE_CANCEL, SAMPLE_KEY, at, fixtureText, readText, sampleAlert, sampleCancel } from './cap-fixtures.ts';

// CAP 1.2 XML in, typed alert out, or a refusal with a stable code and a reason naming the
// input. Mutations of the sample alert cover each rule, so each one is shown to bite.

const SAMPLE = readText(SAMPLE_ALERT);

function refusedWith(text: string, code: string, ...mentions: (string | RegExp)[]): string {
  const result = parseCap(text, { source: 'probe.xml' });
  assert.equal(result.ok, false, 'expected a refusal');
  if (result.ok) return '';
  assert.equal(result.code, code, result.reason);
  assert.match(result.reason, /^probe\.xml: /, 'the reason names the input');
  for (const mention of mentions) {
    if (typeof mention === 'string') assert.ok(result.reason.includes(mention), `"${result.reason}" should mention ${mention}`);
    else assert.match(result.reason, mention);
  }
  return result.reason;
}

test('the sample alert parses into every field, with times as instants and the polygon as points', () => {
  const alert = sampleAlert();
  assert.equal(alert.identifier, 'VN-KTTV-2026-11-22-0930-BAO9');
  assert.equal(alert.sender, 'canhbao@kttv.example.vn');
  assert.deepEqual(alert.sent, { text: '2026-11-22T09:30:00+07:00', ms: Date.UTC(2026, 10, 22, 2, 30), offsetMinutes: 420 });
  assert.deepEqual([alert.status, alert.msgType, alert.scope], ['Actual', 'Alert', 'Public']);
  assert.deepEqual(alert.references, []);
  assert.equal(alert.infos.length, 2);
  const vi = alert.infos[0]!;
  assert.equal(vi.language, 'vi-VN');
  assert.deepEqual(vi.categories, ['Met']);
  assert.equal(vi.event, 'Bão số 9');
  assert.deepEqual([vi.urgency, vi.severity, vi.certainty], ['Immediate', 'Severe', 'Likely']);
  assert.equal(vi.effective?.ms, at('2026-11-22T09:30:00+07:00'));
  assert.equal(vi.onset?.ms, at('2026-11-23T03:00:00+07:00'));
  assert.equal(vi.expires?.ms, at('2026-11-24T21:00:00+07:00'));
  assert.equal(vi.senderName, 'Trung tâm Dự báo khí tượng thủy văn quốc gia');
  assert.match(vi.headline ?? '', /^Tin bão khẩn cấp: Bão số 9/);
  assert.match(vi.description ?? '', /200–350 mm\.$/);
  assert.match(vi.instruction ?? '', /^Không ra khơi\./);
  assert.deepEqual(vi.parameters, [{ valueName: 'CapDoRuiRo', value: '4' }]);
  assert.equal(vi.areas.length, 1);
  const area = vi.areas[0]!;
  assert.equal(area.areaDesc, 'Tỉnh Gia Lai');
  assert.equal(area.polygons[0]!.points.length, 5);
  assert.deepEqual(area.polygons[0]!.points[0], { lat: 13.2, lon: 107.45 });
  assert.deepEqual(area.polygons[0]!.points[2], { lat: 14.6, lon: 108.95 });
  assert.deepEqual(area.geocodes, [{ valueName: 'ISO3166-2', value: 'VN-30' }]);
  const en = alert.infos[1]!;
  assert.equal(en.language, 'en-US');
  assert.equal(en.description, undefined);
  assert.equal(en.effective, undefined);
});

test('the sample cancel parses its reference triple, whose key is the sample alert\'s', () => {
  const cancel = sampleCancel();
  assert.equal(cancel.msgType, 'Cancel');
  assert.deepEqual(cancel.references, [
    { sender: 'canhbao@kttv.example.vn', identifier: 'VN-KTTV-2026-11-22-0930-BAO9', sent: '2026-11-22T09:30:00+07:00', sentMs: at('2026-11-22T09:30:00+07:00'), key: SAMPLE_KEY },
  ]);
  assert.equal(cancel.infos[0]!.urgency, 'Past');
  assert.equal(readText(SAMPLE_CANCEL).includes('<references>'), true);
});

test('circles, "VI" language tags and Exercise status are read as written', () => {
  const circle = parseCap(fixtureText('circle-landslide.xml'));
  assert.ok(circle.ok);
  assert.deepEqual(circle.alert.infos[0]!.areas[0]!.circles, [{ centre: { lat: 13.6, lon: 107.9 }, radiusKm: 10 }]);
  assert.equal(circle.alert.infos[0]!.language, 'VI');
  const exercise = parseCap(fixtureText('exercise-status.xml'));
  assert.ok(exercise.ok);
  assert.equal(exercise.alert.status, 'Exercise');
  assert.deepEqual(exercise.alert.infos[0]!.responseTypes, ['Evacuate']);
  assert.equal(exercise.alert.note, 'Diễn tập sơ tán dân cư vùng sạt lở, xã Ia Drăng');
});

test('malformed XML is refused with CAP_MALFORMED_XML', () => {
  refusedWith(fixtureText('malformed.xml'), 'CAP_MALFORMED_XML', 'not well-formed XML', /headline|info|mismatch/i);
  refusedWith('', 'CAP_MALFORMED_XML');
  refusedWith('<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&bogus;</alert>', 'CAP_MALFORMED_XML');
  refusedWith(`${SAMPLE}<trailing/>`, 'CAP_MALFORMED_XML');
});

test('a DOCTYPE or a declared non-UTF-8 encoding is refused', () => {
  const withDoctype = SAMPLE.replace('<alert ', '<!DOCTYPE alert [<!ENTITY x "y">]>\n<alert ');
  refusedWith(withDoctype, 'CAP_MALFORMED_XML', 'DOCTYPE');
  refusedWith(SAMPLE.replace('encoding="UTF-8"', 'encoding="windows-1258"'), 'CAP_MALFORMED_XML', 'windows-1258');
});

test('the wrong namespace is refused with CAP_WRONG_NAMESPACE, naming what was found', () => {
  refusedWith(fixtureText('wrong-namespace.xml'), 'CAP_WRONG_NAMESPACE', 'urn:oasis:names:tc:emergency:cap:1.1', 'CAP 1.2');
  refusedWith(SAMPLE.replace(' xmlns="urn:oasis:names:tc:emergency:cap:1.2"', ''), 'CAP_WRONG_NAMESPACE', 'no namespace');
});

test('a missing required element is refused with CAP_MISSING_ELEMENT, naming the element', () => {
  refusedWith(fixtureText('missing-sent.xml'), 'CAP_MISSING_ELEMENT', '<sent>');
  refusedWith(SAMPLE.replace(/<identifier>.*<\/identifier>/, ''), 'CAP_MISSING_ELEMENT', '<identifier>');
  refusedWith(SAMPLE.replace('<urgency>Immediate</urgency>', ''), 'CAP_MISSING_ELEMENT', '<urgency>', 'info 1 (vi-VN)');
  refusedWith(SAMPLE.replace('<areaDesc>Tỉnh Gia Lai</areaDesc>', ''), 'CAP_MISSING_ELEMENT', '<areaDesc>', 'area 1');
  refusedWith(SAMPLE.replace('<msgType>Alert</msgType>', '<msgType>Update</msgType>'), 'CAP_MISSING_ELEMENT', '<references>');
  refusedWith('<html><body>404</body></html>', 'CAP_MISSING_ELEMENT', '<html>');
});

test('values outside CAP 1.2 are refused with CAP_BAD_VALUE, naming the element and the value', () => {
  const cases: [string, string, string[]][] = [
    ['<status>Actual</status>', '<status>Real</status>', ['<status>', '"Real"', 'Actual, Exercise, System, Test, Draft']],
    ['<msgType>Alert</msgType>', '<msgType>Notice</msgType>', ['<msgType>', 'Alert, Update, Cancel, Ack, Error']],
    ['<scope>Public</scope>', '<scope>Everyone</scope>', ['<scope>']],
    ['<urgency>Immediate</urgency>', '<urgency>Now</urgency>', ['<urgency>', '"Now"']],
    ['<severity>Severe</severity>', '<severity>severe</severity>', ['<severity>', 'case-sensitive']],
    ['<certainty>Likely</certainty>', '<certainty>Probable</certainty>', ['<certainty>']],
    ['<category>Met</category>', '<category>Weather</category>', ['<category>']],
    ['<sent>2026-11-22T09:30:00+07:00</sent>', '<sent>2026-11-22T09:30:00</sent>', ['<sent>', 'no UTC offset']],
    ['<sent>2026-11-22T09:30:00+07:00</sent>', '<sent>2026-11-22T02:30:00Z</sent>', ['<sent>', '"-00:00"']],
    ['<expires>2026-11-24T21:00:00+07:00</expires>', '<expires>2026-11-31T21:00:00+07:00</expires>', ['<expires>', 'not a real date']],
    ['13.20,107.45 14.60,107.45 14.60,108.95 13.20,108.95 13.20,107.45</polygon>\n      <geocode>', '13.20,107.45 14.60,107.45 14.60,108.95 13.20,108.95</polygon>\n      <geocode>', ['<polygon>', 'not closed']],
    ['13.20,107.45 14.60,107.45 14.60,108.95 13.20,108.95 13.20,107.45</polygon>\n      <geocode>', '13.20,107.45 14.60,107.45 13.20,107.45</polygon>\n      <geocode>', ['<polygon>', '3 points']],
    ['13.20,107.45 14.60,107.45 14.60,108.95 13.20,108.95 13.20,107.45</polygon>\n      <geocode>', '13.20,107.45 14.60,107.45 94.60,108.95 13.20,108.95 13.20,107.45</polygon>\n      <geocode>', ['<polygon>', '94.60,108.95']],
    ['<identifier>VN-KTTV-2026-11-22-0930-BAO9</identifier>', '<identifier>VN KTTV,9</identifier>', ['<identifier>', 'comma']],
  ];
  for (const [from, to, mentions] of cases) {
    assert.ok(SAMPLE.includes(from), `the sample contains ${from}`);
    refusedWith(SAMPLE.replace(from, to), 'CAP_BAD_VALUE', ...mentions);
  }
  const circle = fixtureText('circle-landslide.xml');
  refusedWith(circle.replace('<circle>13.60,107.90 10</circle>', '<circle>13.60,107.90</circle>'), 'CAP_BAD_VALUE', '<circle>', 'radius');
  refusedWith(SAMPLE.replace('<sent>2026-11-22T09:30:00+07:00</sent>', '<sent>2026-11-22T09:30:00+07:00</sent><sent>2026-11-22T09:31:00+07:00</sent>'), 'CAP_BAD_VALUE', '2 <sent>');
});

test('an oversized document is refused with CAP_TOO_LARGE before it is parsed', () => {
  const padded = SAMPLE.replace('</description>', `${' Mưa lớn.'.repeat(150_000)}</description>`);
  assert.ok(padded.length > 1024 * 1024);
  refusedWith(padded, 'CAP_TOO_LARGE', 'bytes', 'limit');
  // The limit counts UTF-8 bytes, not UTF-16 units: Vietnamese letters take 2–3 bytes each.
  const bytes = Buffer.byteLength(SAMPLE, 'utf8');
  assert.ok(bytes > SAMPLE.length);
  const tight = parseCap(SAMPLE, { source: 'probe.xml', maxBytes: SAMPLE.length });
  assert.ok(!tight.ok && tight.code === 'CAP_TOO_LARGE' && tight.reason.includes(`is ${bytes} bytes`), tight.ok ? '' : tight.reason);
  assert.equal(parseCap(SAMPLE, { maxBytes: bytes }).ok, true);
});

test('text is normalised to NFC and elements of other namespaces (a signature) are skipped', () => {
  const nfd = 'Tin bão khẩn cấp'.normalize('NFD');
  const text = SAMPLE.replace('<headline>Tin bão khẩn cấp', `<headline>${nfd}`).replace('</info>\n  <info>', '</info>\n  <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>\n  <info>');
  assert.notEqual(nfd, 'Tin bão khẩn cấp');
  const parsed = parseCap(text);
  assert.ok(parsed.ok);
  assert.ok(parsed.alert.infos[0]!.headline!.startsWith('Tin bão khẩn cấp'));
  assert.equal(parsed.alert.infos.length, 2);
});

function entriesOf(text: string, options: { baseUrl?: string } = {}): readonly CapFeedEntry[] {
  const document = parseCapDocument(text, { source: 'feed.xml', ...options });
  assert.ok(document.ok && document.kind === 'feed', document.ok ? document.kind : document.reason);
  return document.entries;
}

test('an Atom feed yields its two embedded alerts and the URL of its linked one', () => {
  const document = parseCapDocument(fixtureText('atom-two-alerts.xml'), { source: 'feed.xml' });
  assert.ok(document.ok && document.kind === 'feed');
  assert.equal(document.format, 'atom');
  const entries = document.entries;
  assert.deepEqual(entries.map((e) => e.kind), ['embedded', 'embedded', 'link']);
  const identifiers = entries.flatMap((e) => (e.kind === 'embedded' && e.result.ok ? [e.result.alert.identifier] : []));
  assert.deepEqual(identifiers, ['VN-KTTV-2026-11-22-1200-LU-SONGBA', 'VN-KTTV-2026-11-22-0800-MUA-HN-FEED']);
  const link = entries[2]!;
  // The typed CAP link is taken, not the HTML page of the same entry.
  assert.ok(link.kind === 'link' && link.url === 'https://kttv.example.vn/cap/2026-11-22-gio-manh.xml');
  assert.equal(link.entryId, 'urn:kttv:2026-11-22-gio-manh');
  // parseCap alone refuses a feed: it is not one alert.
  const single = parseCap(fixtureText('atom-two-alerts.xml'), { source: 'feed.xml' });
  assert.ok(!single.ok && single.code === 'CAP_MISSING_ELEMENT' && single.reason.includes('Atom feed'));
});

test('an alert escaped as text inside an entry\'s content is parsed like a document', () => {
  const escaped = SAMPLE.replace(/^<\?xml[^>]*>\n/, '').replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const feed = `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>e1</id><content type="text">${escaped}</content></entry></feed>`;
  const entries = entriesOf(feed);
  assert.equal(entries.length, 1);
  const entry = entries[0]!;
  assert.ok(entry.kind === 'embedded' && entry.result.ok);
  assert.equal(entry.result.alert.identifier, 'VN-KTTV-2026-11-22-0930-BAO9');
});

test('a bad alert inside a feed is refused on its own; the other entries still count', () => {
  const text = fixtureText('atom-two-alerts.xml').replace('<severity>Moderate</severity>', '<severity>Medium</severity>');
  const entries = entriesOf(text);
  const [first, second] = entries;
  assert.ok(first?.kind === 'embedded' && first.result.ok);
  assert.ok(second?.kind === 'embedded' && !second.result.ok);
  assert.equal(second.result.code, 'CAP_BAD_VALUE');
  assert.match(second.result.reason, /^feed\.xml, entry 2 \(urn:kttv:2026-11-22-mua-hn\): .*"Medium"/);
});

test('an RSS feed yields absolute http(s) links only, resolving relative ones against the feed URL', () => {
  const entries = entriesOf(fixtureText('rss-linked.xml'), { baseUrl: 'https://kttv.example.vn/rss/canh-bao.xml' });
  assert.deepEqual(
    entries.map((e) => (e.kind === 'link' ? e.url : e.kind)),
    ['https://kttv.example.vn/cap/bao-so-9.xml', 'https://kttv.example.vn/rss/cap/lu-quet.xml', 'refused'],
  );
  const bad = entries[2]!;
  assert.ok(bad.kind === 'refused' && bad.code === 'CAP_BAD_VALUE' && bad.reason.includes('javascript:alert(1)'));
  // Without the feed's own URL a relative link cannot be fetched.
  const unresolved = entriesOf(fixtureText('rss-linked.xml'));
  assert.equal(unresolved[1]!.kind, 'refused');
});

test('reading files: non-UTF-8 bytes and oversized files are refused at the edge', async () => {
  const latin1 = Buffer.from(SAMPLE.replace('Bão số 9', 'B\u00e3o'), 'latin1');
  const decoded = decodeCapBytes(latin1, 'latin1.xml');
  assert.ok(!decoded.ok && decoded.code === 'CAP_MALFORMED_XML' && decoded.reason.startsWith('latin1.xml: is not valid UTF-8'));
  const scratch = await scratchDir('cap-read');
  try {
    const big = join(scratch.path, 'big.xml');
    await writeFile(big, 'x'.repeat(5000));
    const read = await readCapFile(big, 4096);
    assert.ok(!read.ok && read.code === 'CAP_TOO_LARGE' && read.reason.includes('5000 bytes'));
    const missing = await readCapFile(join(scratch.path, 'nope.xml'));
    assert.ok(!missing.ok && missing.code === 'CAP_UNREADABLE');
    const good = await readCapFile(SAMPLE_ALERT);
    assert.ok(good.ok && good.text === SAMPLE);
  } finally {
    await scratch.cleanup();
  }
});
