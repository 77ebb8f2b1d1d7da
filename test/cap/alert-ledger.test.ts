import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activeAlerts, emptyLedger, foldAlerts, keyIdentity, pruneLedger, recordDecision, type AlertLedger } from '../../compiler/cap/alert-ledger.ts';
import type { CapDecision } from '../../compiler/cap/evaluate-alert.ts';
import { SAMPLE_ALERT, SAMPLE_CANCEL, SAMPLE_KEY, U1_KEY, U2_KEY, alertFrom, at, evaluate, fixtureAlert, fixtureText, readText, sampleAlert, sampleCancel } from './cap-fixtures.ts';

// The set of alerts on screen at an instant, from every decision a site has received, in any
// order of arrival.

// Each alert evaluated when it arrived (shortly after it was sent).
const A = evaluate(sampleAlert(), '2026-11-22T09:31:00+07:00');
const U1 = evaluate(fixtureAlert('update-1.xml'), '2026-11-22T15:31:00+07:00');
const U2 = evaluate(fixtureAlert('update-2.xml'), '2026-11-22T21:31:00+07:00');
const CANCEL_U1 = evaluate(fixtureAlert('cancel-update-1.xml'), '2026-11-23T06:01:00+07:00');
const CANCEL_A = evaluate(sampleCancel(), '2026-11-24T06:01:00+07:00');
const FLOOD = evaluate(fixtureAlert('flash-flood-short.xml'), '2026-11-22T10:01:00+07:00');
const LANDSLIDE = evaluate(fixtureAlert('circle-landslide.xml'), '2026-11-22T12:01:00+07:00');

const keys = (decisions: readonly { key: string }[]) => decisions.map((d) => d.key);
const activeAt = (decisions: readonly CapDecision[], iso: string) => keys(foldAlerts(decisions, at(iso)).active);

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

test('the inputs are what the ledger tests assume', () => {
  assert.deepEqual([A.kind, U1.kind, U2.kind, CANCEL_U1.kind, CANCEL_A.kind, FLOOD.kind, LANDSLIDE.kind], ['show', 'show', 'show', 'cancel', 'cancel', 'show', 'show']);
  assert.ok(U2.kind === 'show' && U2.replaces.length === 2 && U2.replaces.includes(U1_KEY));
});

test('Update chain A → U1 → U2: each update replaces what it references', () => {
  assert.deepEqual(activeAt([A], '2026-11-22T12:00:00+07:00'), [SAMPLE_KEY]);
  assert.deepEqual(activeAt([A, U1], '2026-11-22T16:00:00+07:00'), [U1_KEY]);
  assert.deepEqual(activeAt([A, U1, U2], '2026-11-22T22:00:00+07:00'), [U2_KEY]);
  // U2 is level 5 from CapDoRuiRo: the screen shows the latest level, not the first.
  const view = foldAlerts([A, U1, U2], at('2026-11-22T22:00:00+07:00'));
  assert.equal(view.active[0]!.riskLevel, 5);
  assert.equal(view.nextChangeMs, at('2026-11-25T21:00:00+07:00'));
});

test('the chain gives the same answer in every order of arrival (out-of-order delivery)', () => {
  const expected = [U2_KEY];
  for (const order of permutations([A, U1, U2])) {
    assert.deepEqual(activeAt(order, '2026-11-22T22:00:00+07:00'), expected, keys(order).join(' → '));
  }
  // Late arrival of the original after its update: it never comes back on screen.
  assert.deepEqual(activeAt([U1, A], '2026-11-22T16:00:00+07:00'), [U1_KEY]);
  // The ledger itself is the same value whatever the order, so stations and players agree.
  const ledgers = permutations([A, U1, U2, CANCEL_U1]).map((order) => order.reduce((l, d) => recordDecision(l, d).ledger, emptyLedger()));
  for (const ledger of ledgers) assert.deepEqual(ledger, ledgers[0]);
});

test('cancelling the middle of a chain withdraws the updates sent before the cancel', () => {
  // A → U1 → U2, then Cancel(U1) sent after U2: U2 is a version of the withdrawn warning.
  assert.deepEqual(activeAt([A, U1, U2, CANCEL_U1, LANDSLIDE], '2026-11-23T07:00:00+07:00'), [keys([LANDSLIDE])[0]]);
  // An update sent after the cancel is new information and stands.
  const earlyCancel = evaluate(alertFrom(fixtureText('cancel-update-1.xml').replace('<sent>2026-11-23T06:00:00+07:00</sent>', '<sent>2026-11-22T18:00:00+07:00</sent>')), '2026-11-22T18:01:00+07:00');
  assert.deepEqual(activeAt([A, U1, earlyCancel], '2026-11-22T19:00:00+07:00'), [], 'A was replaced, U1 cancelled');
  assert.deepEqual(activeAt([A, U1, earlyCancel, U2], '2026-11-22T22:00:00+07:00'), [U2_KEY]);
  assert.deepEqual(activeAt([U2, earlyCancel, U1, A], '2026-11-22T22:00:00+07:00'), [U2_KEY], 'in any order');
});

test('a Cancel removes the alert at once, before its expiry, and an unrelated alert stays', () => {
  assert.deepEqual(activeAt([A, LANDSLIDE], '2026-11-22T13:00:00+07:00').sort(), [SAMPLE_KEY, keys([LANDSLIDE])[0]].sort());
  const view = foldAlerts([A, CANCEL_A], at('2026-11-24T06:01:00+07:00'));
  assert.deepEqual(view.active, []);
  assert.deepEqual(view.unmatchedCancels, []);
  // Even if the player's clock is behind the cancel's sent time.
  assert.deepEqual(activeAt([A, CANCEL_A], '2026-11-22T10:00:00+07:00'), []);
});

test('expiry while offline: the same ledger, read later with the player\'s own clock, drops what expired', () => {
  let ledger = emptyLedger();
  for (const decision of [A, FLOOD]) ledger = recordDecision(ledger, decision).ledger;
  const online = activeAlerts(ledger, at('2026-11-22T10:05:00+07:00'));
  assert.deepEqual(keys(online.active).sort(), [SAMPLE_KEY, keys([FLOOD])[0]].sort());
  assert.equal(online.nextChangeMs, at('2026-11-22T16:00:00+07:00'), 'the flood warning expires first');
  // No message arrives; the player evaluates again with its own clock.
  const evening = activeAlerts(ledger, at('2026-11-22T20:00:00+07:00'));
  assert.deepEqual(keys(evening.active), [SAMPLE_KEY]);
  assert.equal(evening.nextChangeMs, at('2026-11-24T21:00:00+07:00'));
  const days = activeAlerts(ledger, at('2026-11-26T08:00:00+07:00'));
  assert.deepEqual(days.active, []);
  assert.equal(days.nextChangeMs, undefined);
  // Exactly at expiry it is gone: [effective, expires) is half-open.
  assert.deepEqual(keys(activeAlerts(ledger, at('2026-11-22T16:00:00+07:00')).active), [SAMPLE_KEY]);
});

test('a Cancel for an unknown key is recorded harmlessly, and applies if the alert arrives later', () => {
  let ledger = recordDecision(emptyLedger(), LANDSLIDE).ledger;
  const recorded = recordDecision(ledger, CANCEL_A);
  assert.equal(recorded.outcome, 'recorded');
  ledger = recorded.ledger;
  const before = activeAlerts(ledger, at('2026-11-22T13:00:00+07:00'));
  assert.deepEqual(keys(before.active), keys([LANDSLIDE]));
  assert.deepEqual(before.unmatchedCancels, [SAMPLE_KEY]);
  // The cancelled alert turns up late (out of order): it is never shown.
  ledger = recordDecision(ledger, A).ledger;
  const after = activeAlerts(ledger, at('2026-11-22T13:00:00+07:00'));
  assert.deepEqual(keys(after.active), keys([LANDSLIDE]));
  assert.deepEqual(after.unmatchedCancels, []);
});

test('a duplicate (same key) is ignored; the same instant written with another offset is the same alert', () => {
  const first = recordDecision(emptyLedger(), A);
  const again = recordDecision(first.ledger, A);
  assert.equal(again.outcome, 'duplicate');
  assert.equal(again.ledger, first.ledger);
  const utc = evaluate(alertFrom(readText(SAMPLE_ALERT).replace('<sent>2026-11-22T09:30:00+07:00</sent>', '<sent>2026-11-22T02:30:00-00:00</sent>')), '2026-11-22T10:00:00+07:00');
  assert.equal(keyIdentity(utc.key), keyIdentity(SAMPLE_KEY));
  assert.equal(recordDecision(first.ledger, utc).outcome, 'duplicate');
  // Refusals that replace nothing do not enter the ledger.
  const refused = evaluate(fixtureAlert('unknown-sender.xml'), '2026-11-22T10:00:00+07:00');
  assert.equal(recordDecision(first.ledger, refused).outcome, 'ignored');
});

test('an exercise never replaces or cancels a real alert', () => {
  const drillCancel = evaluate(alertFrom(readText(SAMPLE_CANCEL).replace('<status>Actual</status>', '<status>Exercise</status>')), '2026-11-23T06:00:00+07:00');
  assert.ok(drillCancel.kind === 'cancel' && drillCancel.exercise);
  const view = foldAlerts([A, drillCancel], at('2026-11-23T07:00:00+07:00'));
  assert.deepEqual(keys(view.active), [SAMPLE_KEY]);
  assert.match(view.ignoredReferences[0] ?? '', /is an exercise and may not cancel the real alert/);
  const drillUpdate = evaluate(alertFrom(fixtureText('update-1.xml').replace('<status>Actual</status>', '<status>Test</status>')), '2026-11-22T16:00:00+07:00');
  assert.deepEqual(keys(foldAlerts([A, drillUpdate], at('2026-11-22T16:30:00+07:00')).active).sort(), [SAMPLE_KEY, U1_KEY].sort());
});

test('an Update that moved its area away, or expired, still removes what it replaces here', () => {
  const moved = evaluate(alertFrom(fixtureText('update-1.xml').replace('<value>VN-30</value>', '<value>VN-29</value>')), '2026-11-22T15:31:00+07:00');
  assert.equal(moved.kind, 'not-for-site');
  assert.deepEqual(activeAt([A, moved], '2026-11-22T16:00:00+07:00'), []);
  const late = evaluate(fixtureAlert('update-1.xml'), '2026-11-26T00:00:00+07:00');
  assert.equal(late.kind, 'refuse');
  const ledger = [A, late].reduce((l, d) => recordDecision(l, d).ledger, emptyLedger());
  assert.equal(ledger.entries.length, 2);
  assert.deepEqual(keys(activeAlerts(ledger, at('2026-11-22T12:00:00+07:00')).active), []);
});

test('an alert effective later than it was sent waits; an immediate one shows even on a slow clock', () => {
  const scheduled = evaluate(alertFrom(fixtureText('hanoi-polygon.xml').replace('<expires>', '<effective>2026-11-22T14:00:00+07:00</effective><expires>')), '2026-11-22T08:01:00+07:00', {
    site: 'phuong-hoan-kiem',
    location: { lat: 21.0285, lon: 105.8542 },
  });
  const early = foldAlerts([scheduled], at('2026-11-22T09:00:00+07:00'));
  assert.deepEqual(early.active, []);
  assert.deepEqual(keys(early.pending), keys([scheduled]));
  assert.equal(early.nextChangeMs, at('2026-11-22T14:00:00+07:00'));
  assert.deepEqual(activeAt([scheduled], '2026-11-22T14:00:00+07:00'), keys([scheduled]));
  // A player whose clock is five minutes slow shows the typhoon warning at once.
  assert.deepEqual(activeAt([A], '2026-11-22T09:25:00+07:00'), [SAMPLE_KEY]);
});

test('takeovers come before banners, then higher risk levels', () => {
  const view = foldAlerts([LANDSLIDE, FLOOD, A], at('2026-11-22T13:00:00+07:00'));
  assert.deepEqual(
    view.active.map((d) => `${d.presentation} ${d.riskLevel}`),
    ['takeover 4', 'takeover 3', 'banner 3'],
  );
});

test('pruning forgets expired alerts, but keeps a cancel while what it cancelled is kept', () => {
  const day = 24 * 3_600_000;
  const full: AlertLedger = [A, U1, U2, CANCEL_U1, FLOOD, LANDSLIDE].reduce((l, d) => recordDecision(l, d).ledger, emptyLedger());
  const soon = pruneLedger(full, { nowMs: at('2026-11-23T00:00:00+07:00'), retentionMs: day });
  assert.equal(soon.entries.length, 6, 'nothing is old enough yet');
  const later = pruneLedger(full, { nowMs: at('2026-11-24T00:00:00+07:00'), retentionMs: day });
  assert.deepEqual(later.entries.map((e) => e.decision.key).includes(keys([FLOOD])[0]!), false, 'the flood warning expired more than a day ago');
  assert.equal(later.entries.length, 5);
  const week = pruneLedger(full, { nowMs: at('2026-12-01T00:00:00+07:00'), retentionMs: day });
  assert.deepEqual(week.entries, []);
  // Pruning never changes what is on screen.
  for (const iso of ['2026-11-24T00:00:00+07:00', '2026-11-25T00:00:00+07:00']) {
    assert.deepEqual(keys(activeAlerts(pruneLedger(full, { nowMs: at(iso), retentionMs: day }), at(iso)).active), keys(activeAlerts(full, at(iso)).active), iso);
  }
});
