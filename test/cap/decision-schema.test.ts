import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldAlerts } from '../../compiler/cap/alert-ledger.ts';
import { capDecisionSchema } from '../../compiler/cap/decision-schema.ts';
import { evaluate, fixtureAlert, sampleAlert, sampleCancel } from './cap-fixtures.ts';

// Decisions travel (hub database, push to players, player cache): every kind survives JSON
// and the schema, and a damaged one is refused at the receiving edge.

const decisions = [
  evaluate(sampleAlert(), '2026-11-22T10:00:00+07:00'),
  evaluate(fixtureAlert('update-1.xml'), '2026-11-22T16:00:00+07:00'),
  evaluate(sampleCancel(), '2026-11-24T06:00:00+07:00'),
  evaluate(fixtureAlert('hanoi-polygon.xml'), '2026-11-22T10:00:00+07:00'),
  evaluate(fixtureAlert('unknown-sender.xml'), '2026-11-22T10:00:00+07:00'),
];

test('every kind of decision survives JSON and the schema unchanged', () => {
  assert.deepEqual(decisions.map((d) => d.kind), ['show', 'show', 'cancel', 'not-for-site', 'refuse']);
  for (const decision of decisions) {
    const parsed = capDecisionSchema.safeParse(JSON.parse(JSON.stringify(decision)));
    assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
    assert.deepEqual(parsed.data, decision);
  }
  // A player folding the parsed copies reaches the station's answer.
  const copies = decisions.map((d) => capDecisionSchema.parse(JSON.parse(JSON.stringify(d))));
  const at = Date.parse('2026-11-22T17:00:00+07:00');
  assert.deepEqual(foldAlerts(copies, at), foldAlerts(decisions, at));
});

test('a damaged decision is refused', () => {
  const show = JSON.parse(JSON.stringify(decisions[0])) as Record<string, unknown>;
  for (const [field, value] of [['riskLevel', 7], ['key', 'no commas here'], ['presentation', 'fullscreen'], ['expiresMs', '2026-11-24'], ['extra', true]] as const) {
    assert.equal(capDecisionSchema.safeParse({ ...show, [field]: value }).success, false, field);
  }
  const cancel = JSON.parse(JSON.stringify(decisions[2])) as Record<string, unknown>;
  assert.equal(capDecisionSchema.safeParse({ ...cancel, targets: ['a b,c,d'] }).success, false);
  assert.equal(capDecisionSchema.safeParse({ ...cancel, kind: 'withdraw' }).success, false);
});
