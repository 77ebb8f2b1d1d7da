import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findTrustedSender, parseTrustList } from '../../compiler/cap/trust-list.ts';
import { TRUST, TRUST_FILE, readText } from './cap-fixtures.ts';

// The station's trusted CAP senders: a small YAML file, parsed once with a schema.

test('the fixture trust list parses and finds senders by their exact <sender>', () => {
  const parsed = parseTrustList(readText(TRUST_FILE), TRUST_FILE);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.trustList.senders.map((s) => s.sender), ['canhbao@kttv.example.vn', 'pctt@gialai.example.vn']);
  assert.equal(findTrustedSender(TRUST, 'canhbao@kttv.example.vn')?.name, 'Trung tâm Dự báo khí tượng thủy văn quốc gia');
  assert.equal(findTrustedSender(TRUST, 'CANHBAO@kttv.example.vn'), undefined, 'compared exactly');
  assert.equal(findTrustedSender(TRUST, 'canhbao@kttv.example.vn.evil'), undefined);
});

test('a bad trust list is refused with CAP_TRUST_LIST_INVALID naming the file and the field', () => {
  const cases: [string, RegExp][] = [
    ['senders:\n  - sender: a@x\n    name: A\n  - sender: a@x\n    name: B\n', /senders\[1\]\.sender "a@x" is listed twice/],
    ['senders:\n  - sender: a@x\n    name: A\n    trusted: yes\n', /senders\[0\].*trusted/],
    ['senders:\n  - sender: "a@x,b"\n    name: A\n', /senders\[0\]\.sender must not contain spaces, commas/],
    ['senders:\n  - sender: a@x\n    name: "  "\n', /senders\[0\]\.name must name the sender/],
    ['senders:\n  - sender: a@x\n    name: A\n    sources: [ftp://x/]\n', /senders\[0\]\.sources\[0\] must be an http\(s\) URL prefix/],
    ['senders: [\n', /the YAML is malformed/],
    ['sender: a@x\n', /\(top level\)|senders/],
  ];
  for (const [text, why] of cases) {
    const parsed = parseTrustList(text, 'trust.yaml');
    assert.ok(!parsed.ok, text);
    assert.equal(parsed.code, 'CAP_TRUST_LIST_INVALID');
    assert.ok(parsed.reason.startsWith('trust.yaml: '), parsed.reason);
    assert.match(parsed.reason, why);
  }
});

test('an empty list is valid and trusts nobody', () => {
  const parsed = parseTrustList('senders: []\n', 'trust.yaml');
  assert.ok(parsed.ok);
  assert.equal(findTrustedSender(parsed.trustList, 'canhbao@kttv.example.vn'), undefined);
});
