import { capNoticeId } from '../compiler/cap/cap-notice.ts';
import type { AlertDatabase, AlertRow, StatementRow } from './alert-database.ts';
import type { DeviceRecord } from './hub-database.ts';
import { vietnamIso } from './play-report.ts';

// `signage hub alerts`: every alert the station was given, newest first, with its decision
// and, for each screen it was sent to, which players have acknowledged it (displayed, or for
// a cancel: back on normal content) and which have not yet, with the times.

export interface ScreenAck {
  readonly screenId: string;
  readonly statementId: string;
  /** Devices approved for the screen, and what each has said about the statement. */
  readonly devices: readonly { readonly deviceId: string; readonly state: string | null; readonly doneAtMs: number | null; readonly heardAtMs: number | null; readonly reason: string | null }[];
  /** Every approved device of the screen has acknowledged (displayed or applied). */
  readonly acknowledged: boolean;
}

export interface AlertReport {
  /** The short id `signage cap cancel` takes. */
  readonly id: string;
  readonly alert: AlertRow;
  readonly screens: readonly ScreenAck[];
}

function screenAcks(db: AlertDatabase, statements: readonly StatementRow[], devices: readonly DeviceRecord[]): ScreenAck[] {
  return statements.map((statement) => {
    const acks = new Map(db.acks(statement.id).map((ack) => [ack.deviceId, ack]));
    const approved = devices.filter((device) => device.state === 'approved' && device.screenId === statement.screenId);
    // A device that acknowledged and was since moved or revoked still counts for what it said.
    const ids = [...new Set([...approved.map((d) => d.id), ...acks.keys()])].sort();
    const list = ids.map((deviceId) => {
      const ack = acks.get(deviceId);
      return { deviceId, state: ack?.state ?? null, doneAtMs: ack?.donePlayerMs ?? null, heardAtMs: ack?.doneReceivedMs ?? null, reason: ack?.reason ?? null };
    });
    return { screenId: statement.screenId, statementId: statement.id, devices: list, acknowledged: list.length > 0 && list.every((d) => d.doneAtMs !== null) };
  });
}

export function alertReports(db: AlertDatabase, devices: readonly DeviceRecord[]): AlertReport[] {
  return db.alerts().map((alert) => ({
    id: alert.key ? (alert.kind === 'show' ? capNoticeId(alert.key) : alert.key.split(',')[1]!) : `refused-${alert.id}`,
    alert,
    screens: alert.key ? screenAcks(db, db.statementsOfAlert(alert.key), devices) : [],
  }));
}

function when(ms: number | null): string {
  return ms === null ? '—' : vietnamIso(ms);
}

export function formatAlertReports(reports: readonly AlertReport[]): string {
  if (reports.length === 0) return 'no alerts have been given to this station\n';
  const lines: string[] = [];
  for (const { id, alert, screens } of reports) {
    const head = alert.kind === 'show' ? `${alert.presentation}${alert.exercise ? ' (exercise)' : ''}, cấp ${alert.riskLevel}: ${alert.headline}` : alert.kind;
    lines.push(`${id}  ${alert.status.toUpperCase()}  ${head}`);
    if (alert.key) lines.push(`  key       ${alert.key}`);
    lines.push(`  source    ${alert.source} (${alert.origin}), received ${when(alert.ingestedMs)}`);
    if (alert.expiresMs !== null) lines.push(`  expires   ${when(alert.expiresMs)}`);
    if (alert.code || alert.reason) lines.push(`  reason    ${[alert.code, alert.reason].filter(Boolean).join(': ')}`);
    if (alert.endedBy) lines.push(`  ended     ${alert.status} by ${alert.endedBy} at ${when(alert.endedMs)}`);
    const done = alert.kind === 'show' ? 'displayed' : 'back to normal';
    for (const screen of screens) {
      const heard = screen.devices.filter((d) => d.doneAtMs !== null);
      const waiting = screen.devices.filter((d) => d.doneAtMs === null);
      lines.push(`  screen    ${screen.screenId}: ${screen.acknowledged ? 'acknowledged' : 'NOT YET acknowledged'} (${heard.length}/${screen.devices.length} players)`);
      for (const device of heard) lines.push(`              ${device.deviceId} ${done} at ${when(device.doneAtMs)} (hub heard ${when(device.heardAtMs)})${device.state && device.state !== 'displayed' && device.state !== 'applied' ? `, now ${device.state}` : ''}`);
      for (const device of waiting) lines.push(`              ${device.deviceId} not yet${device.state ? ` (${device.state}${device.reason ? `: ${device.reason}` : ''})` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
