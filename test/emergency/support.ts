import { join } from 'node:path';
import { AlertDatabase, ALERT_DATABASE_FILE } from '../../hub/alert-database.ts';
import { ingestSource, type IngestLine, type StationContext } from '../../hub/cap-station.ts';
import { startHub, type RunningHub } from '../../hub/hub-server.ts';
import { loadFontMeasurer } from '../../compiler/io/font-measurer.ts';
import type { TextMeasurer } from '../../compiler/plan/text-measure.ts';
import { realWakeAfter, type WakeAfter } from '../../player/core/playback.ts';
import { SITE, TRUST } from '../cap/cap-fixtures.ts';
import type { Station } from '../player/support/bundles.ts';
import { startTestPlayer, waitFor, type TestPlayer } from '../player/support/player-fixtures.ts';

// Shared by the emergency tests: a real hub on 127.0.0.1 with its data directory, players
// enrolled and approved through it, and the station's CAP intake writing the hub's alert
// record exactly as `signage cap ingest --hub-data` does.

let measurer: Promise<TextMeasurer> | undefined;
export function sharedMeasurer(): Promise<TextMeasurer> {
  return (measurer ??= loadFontMeasurer());
}

/**
 * The hub runs on the test's clock, like its players: which statements a connecting player
 * must still hold depends on the alerts' expiry, and the sample alert expired on 2026-11-24.
 */
export async function startStationHub(options: { dataDir: string; station: Station; clock: () => number; content?: string }): Promise<RunningHub> {
  const hub = await startHub({ dataDir: options.dataDir, port: 0, stationPublicKey: options.station.publicKey, heartbeatMs: 2_000, emergencyPollMs: 50, clock: options.clock });
  if (options.content) await hub.publish(options.content);
  return hub;
}

/** A player for `screenId`, enrolled and approved, welcomed, on the published content. */
export async function enrolledPlayer(options: { hub: RunningHub; dataDir: string; screenId: string; station: Station; clock: () => number; wakeAfter?: WakeAfter }): Promise<TestPlayer> {
  const t = await startTestPlayer({
    hubUrl: options.hub.url,
    dataDir: options.dataDir,
    screenId: options.screenId,
    stationPublicKey: options.station.publicKey,
    startMs: 0,
    clock: options.clock,
    statusIntervalMs: 500,
    pendingRetryMs: 100,
    ...(options.wakeAfter ? { wakeAfter: options.wakeAfter } : {}),
  });
  await waitFor(`enrolment of a player for ${options.screenId}`, () => options.hub.devices().some((d) => d.id === t.player.deviceId));
  options.hub.approveDevice(t.player.deviceId);
  await waitFor(`${options.screenId} online with content`, () => t.player.snapshot().online && t.player.snapshot().activeBundleId !== null, 20_000);
  return t;
}

/** `signage cap ingest FILE --hub-data DIR` at station time `nowMs`. */
export async function ingestAt(options: { hubData: string; station: Station; file: string; nowMs: number; fetchBytes?: StationContext['fetchBytes'] }): Promise<IngestLine[]> {
  const db = AlertDatabase.open(join(options.hubData, ALERT_DATABASE_FILE));
  try {
    return await ingestSource(stationContext({ db, station: options.station, nowMs: options.nowMs, fetchBytes: options.fetchBytes }), options.file);
  } finally {
    db.close();
  }
}

export function stationContext(options: { db: AlertDatabase; station: Station; nowMs: number | (() => number); fetchBytes?: StationContext['fetchBytes'] | undefined }): StationContext & { measurer: TextMeasurer } {
  const now = typeof options.nowMs === 'number' ? () => options.nowMs as number : options.nowMs;
  return { db: options.db, site: SITE, trustList: TRUST, privateKey: options.station.privateKey, measurer: measurerNow!, nowMs: now, ...(options.fetchBytes ? { fetchBytes: options.fetchBytes } : {}) };
}

let measurerNow: TextMeasurer | undefined;
/** Loads the font measurer once; call in before(). */
export async function loadMeasurer(): Promise<void> {
  measurerNow = await sharedMeasurer();
}

export function withAlerts<T>(hubData: string, read: (db: AlertDatabase) => T): T {
  const db = AlertDatabase.open(join(hubData, ALERT_DATABASE_FILE));
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The acknowledgement states the hub stored for an alert's statements, by device. */
export function ackStates(hubData: string, alertKey: string): Map<string, string> {
  return withAlerts(hubData, (db) => {
    const states = new Map<string, string>();
    for (const statement of db.statementsOfAlert(alertKey)) for (const ack of db.acks(statement.id)) states.set(ack.deviceId, ack.state);
    return states;
  });
}

export async function fetchEmergency(player: TestPlayer): Promise<{ revision: string; takeover: { bundleId: string; manifest: { pages: { id: string; nodes: unknown[] }[]; screen: { id: string; width: number; height: number } } } | null; banner: { id: string; nodes: unknown[] } | null }> {
  const response = await fetch(new URL('/api/emergency', player.player.localUrl));
  return (await response.json()) as never;
}

/** A CAP 1.2 alert written by the tests (Vietnamese, the sample site's province by geocode). */
export function capXml(options: {
  identifier: string;
  sent: string;
  expires: string;
  sender?: string;
  status?: 'Actual' | 'Test' | 'Exercise';
  msgType?: 'Alert' | 'Update' | 'Cancel';
  references?: string;
  urgency?: string;
  severity?: string;
  headline?: string;
  geocode?: string;
}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>${options.identifier}</identifier>
  <sender>${options.sender ?? 'canhbao@kttv.example.vn'}</sender>
  <sent>${options.sent}</sent>
  <status>${options.status ?? 'Actual'}</status>
  <msgType>${options.msgType ?? 'Alert'}</msgType>
  <scope>Public</scope>${options.references ? `\n  <references>${options.references}</references>` : ''}
  <info>
    <language>vi-VN</language>
    <category>Met</category>
    <event>Lũ quét</event>
    <urgency>${options.urgency ?? 'Immediate'}</urgency>
    <severity>${options.severity ?? 'Severe'}</severity>
    <certainty>Likely</certainty>
    <expires>${options.expires}</expires>
    <senderName>Đài Khí tượng Thủy văn khu vực Tây Nguyên</senderName>
    <headline>${options.headline ?? 'Cảnh báo lũ quét, sạt lở đất'}</headline>
    <description>Mưa lớn kéo dài gây nguy cơ lũ quét tại các suối nhỏ.</description>
    <instruction>Không qua suối, tránh xa sườn dốc.</instruction>
    <parameter><valueName>CapDoRuiRo</valueName><value>4</value></parameter>
    <area>
      <areaDesc>Tỉnh Gia Lai</areaDesc>
      <geocode><valueName>ISO3166-2</valueName><value>${options.geocode ?? 'VN-30'}</value></geocode>
    </area>
  </info>
</alert>
`;
}

/** Wake-ups for a clock running `rate` times faster than real time: the player sleeps clock ms. */
export function fastWakeAfter(rate: number): WakeAfter {
  return (ms, fn) => realWakeAfter(Math.ceil(ms / rate), fn);
}

/**
 * waitFor with room for a loaded machine (the suite runs two files at once on two shared
 * cores): these waits end as soon as the condition holds; the limit only bounds a failure.
 */
export function waitLong<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  return waitFor(what, probe, timeoutMs);
}
