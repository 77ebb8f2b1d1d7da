import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CapAlert } from '../../compiler/cap/cap-alert.ts';
import { evaluateAlert, type CapDecision, type EvaluateSite, type ShowDecision } from '../../compiler/cap/evaluate-alert.ts';
import { parseCap } from '../../compiler/cap/parse-cap.ts';
import { parseTrustList, type TrustList } from '../../compiler/cap/trust-list.ts';
import { parseSite } from '../../compiler/io/read-site.ts';
import type { Site } from '../../compiler/format/site-schema.ts';
import { SHARED_SAMPLES } from '../support/paths.ts';

// Shared by the CAP tests: the shared samples, the fixtures written for these tests, the
// trust list and the sample site, and a few shorthands.

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const SAMPLE_ALERT = join(SHARED_SAMPLES, 'cap', 'bao-so-9-alert.xml');
export const SAMPLE_CANCEL = join(SHARED_SAMPLES, 'cap', 'bao-so-9-cancel.xml');
export const SAMPLE_SITE_FILE = join(SHARED_SAMPLES, 'site.yaml');
export const TRUST_FILE = join(FIXTURES, 'trust.yaml');

export const SAMPLE_KEY = 'canhbao@kttv.example.vn,VN-KTTV-2026-11-22-0930-BAO9,2026-11-22T09:30:00+07:00';
export const U1_KEY = 'canhbao@kttv.example.vn,VN-KTTV-2026-11-22-1530-BAO9-U1,2026-11-22T15:30:00+07:00';
export const U2_KEY = 'canhbao@kttv.example.vn,VN-KTTV-2026-11-22-2130-BAO9-U2,2026-11-22T21:30:00+07:00';

export function fixturePath(name: string): string {
  return join(FIXTURES, name);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export function fixtureText(name: string): string {
  return readText(fixturePath(name));
}

/** Parses CAP text that the test expects to be valid. */
export function alertFrom(text: string, source = 'test alert'): CapAlert {
  const parsed = parseCap(text, { source });
  assert.ok(parsed.ok, parsed.ok ? '' : `${parsed.code}: ${parsed.reason}`);
  return parsed.alert;
}

export function fixtureAlert(name: string): CapAlert {
  return alertFrom(fixtureText(name), name);
}

export function sampleAlert(): CapAlert {
  return alertFrom(readText(SAMPLE_ALERT), 'bao-so-9-alert.xml');
}

export function sampleCancel(): CapAlert {
  return alertFrom(readText(SAMPLE_CANCEL), 'bao-so-9-cancel.xml');
}

export const TRUST: TrustList = (() => {
  const parsed = parseTrustList(readText(TRUST_FILE), TRUST_FILE);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.trustList;
})();

export const SITE: Site = parseSite(readText(SAMPLE_SITE_FILE), SAMPLE_SITE_FILE);

/** The sample site moved to Hà Nội (Hoàn Kiếm). */
export const HANOI_SITE: EvaluateSite = { site: 'phuong-hoan-kiem', location: { lat: 21.0285, lon: 105.8542, geocode: 'VN-HN-HoanKiem' } };

/** Epoch ms of an ISO instant with an explicit offset. */
export function at(iso: string): number {
  const ms = Date.parse(iso);
  assert.ok(!Number.isNaN(ms) && /(?:Z|[+-]\d{2}:\d{2})$/.test(iso), `bad test instant ${iso}`);
  return ms;
}

export function evaluate(alert: CapAlert, nowIso: string, site: EvaluateSite = SITE): CapDecision {
  return evaluateAlert({ alert, trustList: TRUST, site, nowMs: at(nowIso) });
}

export function expectShow(decision: CapDecision): ShowDecision {
  assert.equal(decision.kind, 'show', decision.kind === 'refuse' ? `${decision.code}: ${decision.reason}` : decision.kind === 'not-for-site' ? decision.reason : decision.kind);
  return decision as ShowDecision;
}
