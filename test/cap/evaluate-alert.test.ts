import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CapInfo } from '../../compiler/cap/cap-alert.ts';
import {
  DEFAULT_LIFETIME_MS,
  SEVERITY_RISK_LEVEL,
  chooseInfos,
  choosePresentation,
  evaluateAlert,
  statedRiskLevel,
} from '../../compiler/cap/evaluate-alert.ts';
import { parseTrustList } from '../../compiler/cap/trust-list.ts';
import {
  HANOI_SITE,
  SAMPLE_ALERT,
  SAMPLE_CANCEL,
  SAMPLE_KEY,
  SITE,
  TRUST,
  U1_KEY,
  alertFrom,
  at,
  evaluate,
  expectShow,
  fixtureAlert,
  fixtureText,
  readText,
  sampleAlert,
  sampleCancel,
} from './cap-fixtures.ts';

// One alert, one site, one instant → show (takeover or banner), refuse, not for this site,
// or cancel.

const SAMPLE = readText(SAMPLE_ALERT);
const DURING = '2026-11-22T10:00:00+07:00';

test('the sample typhoon warning is a level-4 takeover at the sample site, from its Vietnamese block', () => {
  const decision = expectShow(evaluate(sampleAlert(), DURING));
  assert.deepEqual(decision, {
    kind: 'show',
    presentation: 'takeover',
    riskLevel: 4,
    riskLevelSource: 'parameter',
    exercise: false,
    status: 'Actual',
    msgType: 'Alert',
    urgency: 'Immediate',
    severity: 'Severe',
    certainty: 'Likely',
    headline: 'Tin bão khẩn cấp: Bão số 9 hướng vào các tỉnh Quảng Ngãi – Gia Lai',
    description: sampleAlert().infos[0]!.description,
    instruction: sampleAlert().infos[0]!.instruction,
    event: 'Bão số 9',
    areaDesc: 'Tỉnh Gia Lai',
    matchedBy: 'polygon',
    sender: 'canhbao@kttv.example.vn',
    senderName: 'Trung tâm Dự báo khí tượng thủy văn quốc gia',
    issuedAtMs: at('2026-11-22T09:30:00+07:00'),
    effectiveMs: at('2026-11-22T09:30:00+07:00'),
    onsetMs: at('2026-11-23T03:00:00+07:00'),
    expiresMs: at('2026-11-24T21:00:00+07:00'),
    language: 'vi-VN',
    key: SAMPLE_KEY,
    references: [],
    replaces: [],
    warnings: [],
  });
});

test('the Vietnamese block is chosen wherever it is; without one, the first block is used with a warning', () => {
  // Move the English block first: the Vietnamese one must still win.
  const [head, vi, en] = SAMPLE.split(/(?=<info>)/);
  const reordered = `${head}${en!.replace('</alert>', '')}${vi}</alert>\n`;
  const decision = expectShow(evaluate(alertFrom(reordered), DURING));
  assert.equal(decision.language, 'vi-VN');
  assert.equal(decision.event, 'Bão số 9');
  assert.deepEqual(decision.warnings, []);

  const english = expectShow(evaluate(fixtureAlert('english-only.xml'), '2026-11-22T12:00:00+07:00'));
  assert.equal(english.language, 'en-US');
  assert.equal(english.headline, 'Heavy rain warning for the Central Highlands');
  assert.ok(english.warnings.some((w) => w.includes('no Vietnamese (vi, vi-VN) info block') && w.includes('en-US')), english.warnings.join('\n'));
  // No CapDoRuiRo: the level comes from severity Moderate, and Expected + Moderate is a banner.
  assert.equal(english.riskLevel, 3);
  assert.equal(english.riskLevelSource, 'severity');
  assert.equal(english.presentation, 'banner');
  assert.equal(english.senderName, 'Trung tâm Dự báo khí tượng thủy văn quốc gia', 'the trust list names a sender without <senderName>');

  const tags = (languages: string[]) => chooseInfos(languages.map((language) => ({ language }) as CapInfo));
  assert.deepEqual(tags(['en-US', 'VI']).infos.map((i) => i.language), ['VI']);
  assert.deepEqual(tags(['en-US', 'vi-vn', 'vi-VN']).infos.map((i) => i.language), ['vi-vn', 'vi-VN']);
  assert.deepEqual(tags(['fr', 'en-US', 'fr']), { infos: [{ language: 'fr' }, { language: 'fr' }], fallback: true });
  assert.equal(tags(['vie']).fallback, true, '"vie" is not vi or vi-VN');
});

test('an unknown sender is refused with CAP_UNTRUSTED_SENDER, even with a look-alike address', () => {
  const decision = evaluate(fixtureAlert('unknown-sender.xml'), DURING);
  assert.equal(decision.kind, 'refuse');
  assert.ok(decision.kind === 'refuse');
  assert.equal(decision.code, 'CAP_UNTRUSTED_SENDER');
  assert.match(decision.reason, /"canhbao@kttv-gia-mao\.example\.com" is not on the station's trust list/);
  assert.equal(decision.key, 'canhbao@kttv-gia-mao.example.com,VN-KTTV-2026-11-22-0930-BAO9,2026-11-22T09:30:00+07:00');
});

test('a sender with sources on the trust list is trusted only from those addresses', () => {
  const parsed = parseTrustList('senders:\n  - sender: canhbao@kttv.example.vn\n    name: KTTV\n    sources: [https://canhbao.kttv.example.vn/cap/]\n', 'trust.yaml');
  assert.ok(parsed.ok);
  const options = { alert: sampleAlert(), trustList: parsed.trustList, site: SITE, nowMs: at(DURING) };
  assert.equal(evaluateAlert({ ...options, origin: 'https://canhbao.kttv.example.vn/cap/bao-9.xml' }).kind, 'show');
  const forged = evaluateAlert({ ...options, origin: 'https://canhbao.kttv.example.vn.evil.example/cap/bao-9.xml' });
  assert.ok(forged.kind === 'refuse' && forged.code === 'CAP_UNTRUSTED_SENDER' && forged.reason.includes('evil.example'));
  assert.equal(evaluateAlert(options).kind, 'show', 'a local file has no origin to check');
});

test('an expired alert is refused with CAP_EXPIRED; expiry is half-open [effective, expires)', () => {
  const expires = at('2026-11-24T21:00:00+07:00');
  const before = evaluateAlert({ alert: sampleAlert(), trustList: TRUST, site: SITE, nowMs: expires - 1 });
  assert.equal(before.kind, 'show');
  const atExpiry = evaluateAlert({ alert: sampleAlert(), trustList: TRUST, site: SITE, nowMs: expires });
  assert.ok(atExpiry.kind === 'refuse' && atExpiry.code === 'CAP_EXPIRED');
  assert.match(atExpiry.reason, /expired at 21:00 ngày 24\/11\/2026 \(2026-11-24T14:00:00Z\)/);
  const later = evaluate(fixtureAlert('flash-flood-short.xml'), '2026-11-23T09:00:00+07:00');
  assert.ok(later.kind === 'refuse' && later.code === 'CAP_EXPIRED');
});

test('an info without <expires> ends after the default lifetime, with a warning', () => {
  const alert = alertFrom(SAMPLE.replace('<expires>2026-11-24T21:00:00+07:00</expires>', ''));
  const decision = expectShow(evaluate(alert, DURING));
  assert.equal(decision.expiresMs, at('2026-11-22T09:30:00+07:00') + DEFAULT_LIFETIME_MS);
  assert.ok(decision.warnings.some((w) => w.startsWith('no <expires>')));
  assert.equal(evaluate(alert, '2026-11-23T09:30:00+07:00').kind, 'refuse');
});

test('Draft, System, Ack, Error and non-public alerts are never shown', () => {
  for (const [from, to, code] of [
    ['<status>Actual</status>', '<status>Draft</status>', 'CAP_NOT_FOR_DISPLAY'],
    ['<status>Actual</status>', '<status>System</status>', 'CAP_NOT_FOR_DISPLAY'],
    ['<msgType>Alert</msgType>', '<msgType>Ack</msgType>', 'CAP_NOT_FOR_DISPLAY'],
    ['<msgType>Alert</msgType>', '<msgType>Error</msgType>', 'CAP_NOT_FOR_DISPLAY'],
    ['<scope>Public</scope>', '<scope>Restricted</scope><restriction>Chỉ cho ban chỉ huy</restriction>', 'CAP_NOT_PUBLIC'],
  ] as const) {
    const decision = evaluate(alertFrom(SAMPLE.replace(from, to)), DURING);
    assert.ok(decision.kind === 'refuse', `${to} → ${decision.kind}`);
    assert.equal(decision.code, code, to);
  }
});

test('Test and Exercise alerts are shown, marked as exercises', () => {
  const testAlert = expectShow(evaluate(fixtureAlert('test-status.xml'), DURING));
  assert.equal(testAlert.exercise, true);
  assert.equal(testAlert.status, 'Test');
  assert.equal(testAlert.presentation, 'takeover');
  const drill = expectShow(evaluate(fixtureAlert('exercise-status.xml'), '2026-11-21T09:00:00+07:00'));
  assert.equal(drill.exercise, true);
  assert.equal(drill.status, 'Exercise');
  assert.equal(drill.riskLevel, 4);
  assert.equal(drill.matchedBy, 'geocode');
  assert.equal(drill.senderName, 'Ban Chỉ huy PCTT và TKCN tỉnh Gia Lai');
  assert.equal(expectShow(evaluate(sampleAlert(), DURING)).exercise, false);
});

test('areas that exclude the site give "not for this site": a polygon around Hà Nội, another province\'s geocode', () => {
  const hanoi = evaluate(fixtureAlert('hanoi-polygon.xml'), DURING);
  assert.equal(hanoi.kind, 'not-for-site');
  assert.ok(hanoi.kind === 'not-for-site');
  assert.match(hanoi.reason, /site xa-ia-drang \(13\.6127,107\.871, geocode VN-30-IaDrang\) lies outside the alert's area \(Thành phố Hà Nội\)/);
  const quangNgai = evaluate(fixtureAlert('other-province-geocode.xml'), DURING);
  assert.ok(quangNgai.kind === 'not-for-site' && quangNgai.reason.includes('Ven biển tỉnh Quảng Ngãi'));
  // And the other way round: the Hà Nội warning is for a site in Hà Nội, the typhoon is not.
  assert.equal(evaluate(fixtureAlert('hanoi-polygon.xml'), DURING, HANOI_SITE).kind, 'show');
  assert.equal(evaluate(sampleAlert(), DURING, HANOI_SITE).kind, 'not-for-site');
});

test('a circle area is matched by great-circle distance', () => {
  const inside = expectShow(evaluate(fixtureAlert('circle-landslide.xml'), '2026-11-22T13:00:00+07:00'));
  assert.equal(inside.matchedBy, 'circle');
  assert.equal(inside.language, 'VI');
  assert.equal(inside.presentation, 'banner', 'Expected + Moderate');
  assert.equal(inside.riskLevel, 3);
  const small = alertFrom(fixtureText('circle-landslide.xml').replace('13.60,107.90 10', '13.60,107.90 3'));
  assert.equal(evaluate(small, '2026-11-22T13:00:00+07:00').kind, 'not-for-site');
});

test('a geocode match: the province code VN-30 covers the site\'s VN-30-IaDrang, VN-3 does not', () => {
  const flood = expectShow(evaluate(fixtureAlert('flash-flood-short.xml'), '2026-11-22T11:00:00+07:00'));
  assert.equal(flood.matchedBy, 'geocode');
  assert.equal(flood.riskLevel, 3, '"cấp 3" is read as level 3');
  const vn3 = alertFrom(fixtureText('flash-flood-short.xml').replace('<value>VN-30</value>', '<value>VN-3</value>'));
  assert.equal(evaluate(vn3, '2026-11-22T11:00:00+07:00').kind, 'not-for-site');
});

test('an info without area covers every site; areas with only a description cannot exclude the site', () => {
  const noArea = alertFrom(fixtureText('hanoi-polygon.xml').replace(/<area>[\s\S]*<\/area>/, ''));
  const shown = expectShow(evaluate(noArea, DURING));
  assert.equal(shown.matchedBy, 'no-area');
  assert.ok(shown.warnings.some((w) => w.includes('names no area')));
  const descOnly = alertFrom(fixtureText('hanoi-polygon.xml').replace(/<polygon>.*<\/polygon>/, '').replace(/<geocode>.*<\/geocode>/, ''));
  const described = expectShow(evaluate(descOnly, DURING));
  assert.equal(described.matchedBy, 'no-geometry');
  assert.equal(described.areaDesc, 'Thành phố Hà Nội');
});

test('severity → risk level when CapDoRuiRo is absent or unusable', () => {
  assert.deepEqual(SEVERITY_RISK_LEVEL, { Extreme: 5, Severe: 4, Moderate: 3, Minor: 2, Unknown: 3 });
  const info = (parameters: { valueName: string; value: string }[]) => ({ parameters }) as unknown as CapInfo;
  assert.deepEqual(statedRiskLevel(info([{ valueName: 'CapDoRuiRo', value: '5' }])), { level: 5 });
  assert.deepEqual(statedRiskLevel(info([{ valueName: 'capdoruiro', value: 'Cấp 2' }])), { level: 2 });
  assert.deepEqual(statedRiskLevel(info([{ valueName: 'Other', value: '5' }])), {});
  assert.match(statedRiskLevel(info([{ valueName: 'CapDoRuiRo', value: '7' }])).problem ?? '', /"7" is not a level 1–5/);

  const extreme = alertFrom(SAMPLE.replace('<severity>Severe</severity>', '<severity>Extreme</severity>').replace('<parameter><valueName>CapDoRuiRo</valueName><value>4</value></parameter>', '<parameter><valueName>CapDoRuiRo</valueName><value>7</value></parameter>'));
  const decision = expectShow(evaluate(extreme, DURING));
  assert.equal(decision.riskLevel, 5);
  assert.equal(decision.riskLevelSource, 'severity');
  assert.ok(decision.warnings.some((w) => w.includes('"7" is not a level 1–5')));
});

test('takeover only for Immediate/Expected with Extreme/Severe (or a stated level 4–5), never for Unlikely', () => {
  const p = (urgency: string, severity: string, certainty = 'Likely', stated?: 1 | 2 | 3 | 4 | 5) => choosePresentation({ urgency, severity, certainty } as CapInfo, stated);
  assert.equal(p('Immediate', 'Severe'), 'takeover');
  assert.equal(p('Expected', 'Extreme'), 'takeover');
  assert.equal(p('Immediate', 'Extreme', 'Observed'), 'takeover');
  assert.equal(p('Future', 'Extreme'), 'banner');
  assert.equal(p('Past', 'Severe'), 'banner');
  assert.equal(p('Unknown', 'Severe'), 'banner');
  assert.equal(p('Immediate', 'Moderate'), 'banner');
  assert.equal(p('Expected', 'Minor'), 'banner');
  assert.equal(p('Immediate', 'Moderate', 'Likely', 4), 'takeover');
  assert.equal(p('Immediate', 'Unknown', 'Likely', 5), 'takeover');
  assert.equal(p('Immediate', 'Moderate', 'Likely', 3), 'banner');
  assert.equal(p('Immediate', 'Severe', 'Unlikely'), 'banner');
});

test('a Cancel withdraws the referenced alerts of its own sender', () => {
  const cancel = evaluate(sampleCancel(), '2026-11-24T06:00:00+07:00');
  assert.deepEqual(cancel, {
    kind: 'cancel',
    key: 'canhbao@kttv.example.vn,VN-KTTV-2026-11-24-0600-BAO9-HUY,2026-11-24T06:00:00+07:00',
    issuedAtMs: at('2026-11-24T06:00:00+07:00'),
    exercise: false,
    targets: [SAMPLE_KEY],
    warnings: [],
  });
  // Another trusted sender cannot withdraw the national centre's warning.
  const foreign = alertFrom(readText(SAMPLE_CANCEL).replace('<sender>canhbao@kttv.example.vn</sender>', '<sender>pctt@gialai.example.vn</sender>'));
  const decision = evaluate(foreign, '2026-11-24T06:00:00+07:00');
  assert.ok(decision.kind === 'cancel');
  assert.deepEqual(decision.targets, []);
  assert.match(decision.warnings[0] ?? '', /another sender's alert/);
});

test('an Update shows and replaces; moved away or expired, it still replaces', () => {
  const update = expectShow(evaluate(fixtureAlert('update-1.xml'), '2026-11-22T16:00:00+07:00'));
  assert.equal(update.msgType, 'Update');
  assert.deepEqual(update.replaces, [SAMPLE_KEY]);
  assert.deepEqual(update.references, [SAMPLE_KEY]);
  assert.equal(update.matchedBy, 'geocode');

  const moved = alertFrom(fixtureText('update-1.xml').replace('<value>VN-30</value>', '<value>VN-29</value>'));
  const away = evaluate(moved, '2026-11-22T16:00:00+07:00');
  assert.ok(away.kind === 'not-for-site');
  assert.deepEqual(away.replaces, [SAMPLE_KEY]);

  const expired = evaluate(fixtureAlert('update-1.xml'), '2026-11-26T00:00:00+07:00');
  assert.ok(expired.kind === 'refuse' && expired.code === 'CAP_EXPIRED');
  assert.deepEqual(expired.replaces, [SAMPLE_KEY]);

  const alertWithReference = expectShow(evaluate(alertFrom(SAMPLE.replace('<scope>Public</scope>', `<scope>Public</scope><references>${U1_KEY}</references>`)), DURING));
  assert.deepEqual(alertWithReference.replaces, [], 'an Alert that merely refers to another does not replace it');
  assert.deepEqual(alertWithReference.references, [U1_KEY]);
});

test('an Alert with no info block has nothing to show and is refused', () => {
  const bare = alertFrom(SAMPLE.replace(/<info>[\s\S]*<\/info>/, ''));
  const decision = evaluate(bare, DURING);
  assert.ok(decision.kind === 'refuse' && decision.code === 'CAP_NO_INFO');
});
