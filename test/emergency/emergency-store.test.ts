import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveActive } from '../../compiler/format/resolve-active.ts';
import { emergencyBundles, emergencyStatement, type EmergencyStatement } from '../../compiler/cap/emergency-statement.ts';
import { emergencyView, takeoverPlay } from '../../compiler/cap/emergency-view.ts';
import type { CapDecision, ShowDecision } from '../../compiler/cap/evaluate-alert.ts';
import { signStatement, verifyStatement } from '../../compiler/trust/emergency-signing.ts';
import { EmergencyStore, EMERGENCY_RETENTION_MS } from '../../player/core/emergency-store.ts';
import { openPlayerDatabase } from '../../player/core/player-database.ts';
import { at, evaluate, expectShow, fixtureAlert, SITE, sampleAlert, sampleCancel } from '../cap/cap-fixtures.ts';
import { makeStation } from '../player/support/bundles.ts';
import { scratchDir } from '../support/paths.ts';
import { loadMeasurer, sharedMeasurer } from './support.ts';

// Emergency statements on their own: what the player's store accepts and refuses (signature,
// screen, replays), what survives a reopen, and the pure view the screen is drawn from.

const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;
let files = 0;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('emergency-store'));
  await loadMeasurer();
});
after(() => cleanup());

const NOW = at('2026-11-22T10:00:00+07:00');

async function statementFor(decision: CapDecision, options: { screen?: string; signedAtMs?: number } = {}): Promise<EmergencyStatement> {
  const screen = options.screen ?? 'ubnd-sanh';
  const manifest =
    decision.kind === 'show'
      ? emergencyBundles({ site: SITE, decision, measurer: await sharedMeasurer(), sourceHash: 'a'.repeat(64) }).find((b) => b.screen === screen)
      : undefined;
  if (manifest && !manifest.ok) throw new Error(manifest.message);
  return emergencyStatement({ site: SITE.site, screen, signedAtMs: options.signedAtMs ?? NOW, origin: 'cap', decision, manifest: manifest?.manifest });
}

function openStore(path: string, screenId = 'ubnd-sanh', key = station.publicKey): { store: EmergencyStore; close: () => void } {
  const db = openPlayerDatabase({ path });
  const store = new EmergencyStore(db, { screenId, stationPublicKey: key });
  store.load();
  return { store, close: () => db.close() };
}

test('a player store accepts signed statements for its screen and refuses tampered, foreign, misdirected and replayed ones, naming why', async () => {
  const path = join(root, `player-${(files += 1)}.sqlite`);
  const { store, close } = openStore(path);
  const show = expectShow(evaluate(sampleAlert(), '2026-11-22T10:00:00+07:00'));
  const signed = signStatement(await statementFor(show, { signedAtMs: NOW }), station.privateKey);
  assert.equal(store.accept({ bytes: signed.bytes, signature: signed.signature, nowMs: NOW }).outcome, 'accepted');
  assert.equal(store.accept({ bytes: signed.bytes, signature: signed.signature, nowMs: NOW }).outcome, 'duplicate');

  const tampered = Buffer.from(signed.bytes);
  const where = tampered.indexOf('Cấp') + 1;
  tampered[where] = tampered[where]! ^ 1;
  const refusal = (bytes: Buffer, signature: Buffer) => {
    const outcome = store.accept({ bytes, signature, nowMs: NOW });
    return outcome.outcome === 'refused' ? outcome.code : outcome.outcome;
  };
  assert.equal(refusal(tampered, signed.signature), 'EMERGENCY_SIGNATURE_INVALID');
  const foreign = signStatement(await statementFor(show, { signedAtMs: NOW + 5 }), makeStation().privateKey);
  assert.equal(refusal(foreign.bytes, foreign.signature), 'EMERGENCY_SIGNATURE_INVALID');
  const kiosk = signStatement(await statementFor(show, { screen: 'ubnd-kiosk', signedAtMs: NOW + 5 }), station.privateKey);
  assert.equal(refusal(kiosk.bytes, kiosk.signature), 'EMERGENCY_WRONG_SCREEN');
  const older = signStatement(await statementFor(show, { signedAtMs: NOW - 60_000 }), station.privateKey);
  assert.equal(refusal(older.bytes, older.signature), 'EMERGENCY_REPLAY');

  // A re-issue signed later replaces the one held; the earlier one is then a replay.
  const reissued = signStatement(await statementFor(show, { signedAtMs: NOW + 60_000 }), station.privateKey);
  assert.equal(store.accept({ bytes: reissued.bytes, signature: reissued.signature, nowMs: NOW }).outcome, 'accepted');
  assert.deepEqual(store.all().map((entry) => entry.id), [reissued.id]);
  assert.equal(refusal(signed.bytes, signed.signature), 'EMERGENCY_REPLAY');
  close();

  const reopened = openStore(path);
  assert.deepEqual(reopened.store.all().map((entry) => entry.id), [reissued.id], 'kept across a restart');
  reopened.close();
  // A player pinned to another station's key drops what it cannot verify.
  const db = openPlayerDatabase({ path });
  const other = new EmergencyStore(db, { screenId: 'ubnd-sanh', stationPublicKey: makeStation().publicKey });
  assert.match(other.load().join('\n'), /EMERGENCY_SIGNATURE_INVALID/);
  assert.equal(other.all().length, 0);
  db.close();
});

test('a statement carries the decision and the fitted bundle inside the signature; the 192×64 sign gets its own pages', async () => {
  const show = expectShow(evaluate(sampleAlert(), '2026-11-22T10:00:00+07:00'));
  const statement = await statementFor(show, { screen: 'cong-xa-p10' });
  const signed = signStatement(statement, station.privateKey);
  const verified = verifyStatement({ bytes: signed.bytes, signature: signed.signature, publicKey: station.publicKey, screenId: 'cong-xa-p10' });
  const decision = verified.statement.decision as ShowDecision;
  assert.equal(decision.key, show.key);
  assert.equal(decision.presentation, 'takeover');
  assert.equal(decision.riskLevel, 4);
  assert.equal(decision.exercise, false);
  assert.equal(decision.expiresMs, at('2026-11-24T21:00:00+07:00'));
  assert.equal(verified.statement.manifest!.kind, 'emergency');
  assert.deepEqual([verified.statement.manifest!.screen.width, verified.statement.manifest!.screen.height], [192, 64]);
  assert.ok(verified.statement.manifest!.pages.length >= 1);
});

test('the view: a takeover hides a banner (accepted, not displayed), an expired alert ends by the clock, a cancel applies, and two takeovers alternate', async () => {
  const storm = expectShow(evaluate(sampleAlert(), '2026-11-22T10:00:00+07:00'));
  const english = expectShow(evaluate(fixtureAlert('english-only.xml'), '2026-11-22T11:00:00+07:00'));
  const flood = expectShow(evaluate(fixtureAlert('flash-flood-short.xml'), '2026-11-22T10:00:00+07:00'));
  const cancel = evaluate(sampleCancel(), '2026-11-24T06:00:00+07:00');
  assert.equal(english.presentation, 'banner');
  const held = async (decision: CapDecision, id: string) => ({ id: id.repeat(64), statement: await statementFor(decision) });
  const [a, b, c, d] = await Promise.all([held(storm, 'a'), held(english, 'b'), held(flood, 'c'), held(cancel, 'd')]);

  const at11 = emergencyView([a, b, c], at('2026-11-22T11:30:00+07:00'));
  assert.deepEqual(new Set(at11.takeovers.map((entry) => entry.id)), new Set([a.id, c.id]), 'both takeovers are up');
  assert.equal(at11.banner, undefined);
  assert.equal(at11.states.get(b.id), 'accepted');
  assert.equal(at11.nextChangeMs, at('2026-11-22T16:00:00+07:00'), 'the flash flood warning expires first');
  const play = takeoverPlay(at11.takeovers)!;
  const playing = resolveActive(play.schedule, at('2026-11-22T11:30:00+07:00'));
  assert.equal(playing.mode, 'emergency');
  assert.deepEqual(new Set(playing.playlist.map((item) => item.noticeId)).size, 2, 'the pages of both alternate');

  const at17 = emergencyView([a, b, c], at('2026-11-22T17:00:00+07:00'));
  assert.deepEqual(at17.takeovers.map((entry) => entry.id), [a.id]);
  assert.equal(at17.states.get(c.id), 'ended');

  const cancelled = emergencyView([a, b, c, d], at('2026-11-24T07:00:00+07:00'));
  assert.deepEqual(cancelled.takeovers, []);
  assert.equal(cancelled.banner, undefined, 'the English banner expired on the 23rd');
  assert.equal(cancelled.states.get(d.id), 'applied');
  assert.equal(cancelled.states.get(a.id), 'ended');
  const bannerOnly = emergencyView([b], at('2026-11-22T12:00:00+07:00'));
  assert.equal(bannerOnly.banner?.id, b.id);
  assert.equal(bannerOnly.states.get(b.id), 'displayed');
});

test('statements are forgotten a week after they stopped mattering, not before', async () => {
  const path = join(root, `player-${(files += 1)}.sqlite`);
  const { store, close } = openStore(path);
  const flood = expectShow(evaluate(fixtureAlert('flash-flood-short.xml'), '2026-11-22T10:00:00+07:00'));
  const signed = signStatement(await statementFor(flood), station.privateKey);
  store.accept({ bytes: signed.bytes, signature: signed.signature, nowMs: NOW });
  assert.equal(store.prune(flood.expiresMs + EMERGENCY_RETENTION_MS - 1), 0);
  assert.equal(store.prune(flood.expiresMs + EMERGENCY_RETENTION_MS), 1);
  assert.equal(store.all().length, 0);
  close();
});
