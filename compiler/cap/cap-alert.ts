// The typed form of a CAP 1.2 alert (OASIS Common Alerting Protocol, version 1.2), as
// parse-cap.ts produces it from XML. Everything after the parser works on these values only:
// the XML is read once, at the edge, and every field here has already been checked against
// the CAP 1.2 rules (enumerations, times with an explicit offset, closed polygons).
// Pure: no node:*, no clock.

export const CAP_NAMESPACE = 'urn:oasis:names:tc:emergency:cap:1.2';

export const CAP_STATUSES = ['Actual', 'Exercise', 'System', 'Test', 'Draft'] as const;
export const CAP_MSG_TYPES = ['Alert', 'Update', 'Cancel', 'Ack', 'Error'] as const;
export const CAP_SCOPES = ['Public', 'Restricted', 'Private'] as const;
export const CAP_CATEGORIES = ['Geo', 'Met', 'Safety', 'Security', 'Rescue', 'Fire', 'Health', 'Env', 'Transport', 'Infra', 'CBRNE', 'Other'] as const;
export const CAP_RESPONSE_TYPES = ['Shelter', 'Evacuate', 'Prepare', 'Execute', 'Avoid', 'Monitor', 'Assess', 'AllClear', 'None'] as const;
export const CAP_URGENCIES = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'] as const;
export const CAP_SEVERITIES = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'] as const;
export const CAP_CERTAINTIES = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'] as const;

export type CapStatus = (typeof CAP_STATUSES)[number];
export type CapMsgType = (typeof CAP_MSG_TYPES)[number];
export type CapScope = (typeof CAP_SCOPES)[number];
export type CapCategory = (typeof CAP_CATEGORIES)[number];
export type CapResponseType = (typeof CAP_RESPONSE_TYPES)[number];
export type CapUrgency = (typeof CAP_URGENCIES)[number];
export type CapSeverity = (typeof CAP_SEVERITIES)[number];
export type CapCertainty = (typeof CAP_CERTAINTIES)[number];

/** A CAP dateTime: the text as written (references quote it verbatim) and the instant it names. */
export interface CapTime {
  readonly text: string;
  /** UTC epoch milliseconds. */
  readonly ms: number;
  /** The offset the sender wrote, in minutes east of UTC (+07:00 → 420). */
  readonly offsetMinutes: number;
}

/** One "sender,identifier,sent" triple of a `references` element. */
export interface CapReference {
  readonly sender: string;
  readonly identifier: string;
  /** The sent time as written in the reference. */
  readonly sent: string;
  readonly sentMs: number;
  /** The triple joined with commas, as CAP writes it: the alert's key. */
  readonly key: string;
}

/** valueName/value pairs: eventCode, parameter and geocode elements. */
export interface CapNamedValue {
  readonly valueName: string;
  readonly value: string;
}

export interface CapPoint {
  readonly lat: number;
  readonly lon: number;
}

export interface CapPolygon {
  /** Closed ring: the first point is repeated as the last, at least 4 points. */
  readonly points: readonly CapPoint[];
}

export interface CapCircle {
  readonly centre: CapPoint;
  readonly radiusKm: number;
}

export interface CapArea {
  readonly areaDesc: string;
  readonly polygons: readonly CapPolygon[];
  readonly circles: readonly CapCircle[];
  readonly geocodes: readonly CapNamedValue[];
  /** Feet above mean sea level, as CAP defines them. */
  readonly altitude?: number | undefined;
  readonly ceiling?: number | undefined;
}

export interface CapResource {
  readonly resourceDesc: string;
  readonly mimeType: string;
  readonly size?: number | undefined;
  readonly uri?: string | undefined;
  /** Base64 content as sent; never decoded here because boards do not show resources yet. */
  readonly derefUri?: string | undefined;
  readonly digest?: string | undefined;
}

export interface CapInfo {
  /** RFC 3066 language tag; CAP's default "en-US" when the element is absent. */
  readonly language: string;
  readonly categories: readonly CapCategory[];
  readonly event: string;
  readonly responseTypes: readonly CapResponseType[];
  readonly urgency: CapUrgency;
  readonly severity: CapSeverity;
  readonly certainty: CapCertainty;
  readonly audience?: string | undefined;
  readonly eventCodes: readonly CapNamedValue[];
  readonly effective?: CapTime | undefined;
  readonly onset?: CapTime | undefined;
  readonly expires?: CapTime | undefined;
  readonly senderName?: string | undefined;
  readonly headline?: string | undefined;
  readonly description?: string | undefined;
  readonly instruction?: string | undefined;
  readonly web?: string | undefined;
  readonly contact?: string | undefined;
  readonly parameters: readonly CapNamedValue[];
  readonly resources: readonly CapResource[];
  readonly areas: readonly CapArea[];
}

export interface CapAlert {
  readonly identifier: string;
  readonly sender: string;
  readonly sent: CapTime;
  readonly status: CapStatus;
  readonly msgType: CapMsgType;
  readonly source?: string | undefined;
  readonly scope: CapScope;
  readonly restriction?: string | undefined;
  readonly addresses?: string | undefined;
  readonly codes: readonly string[];
  readonly note?: string | undefined;
  readonly references: readonly CapReference[];
  readonly incidents: readonly string[];
  readonly infos: readonly CapInfo[];
}

/**
 * The stable identity of an alert, "sender,identifier,sent", exactly the triple other alerts
 * use in `references`. CAP forbids spaces and commas in sender and identifier and a dateTime
 * has neither, so the key splits back unambiguously (see parseCapKey).
 */
export function capKey(alert: { sender: string; identifier: string; sent: { text: string } }): string {
  return `${alert.sender},${alert.identifier},${alert.sent.text}`;
}

/** Splits a key made by capKey (or a reference triple) into its three parts. */
export function splitCapKey(key: string): { sender: string; identifier: string; sent: string } | undefined {
  const parts = key.split(',');
  if (parts.length !== 3 || parts.some((p) => p === '')) return undefined;
  return { sender: parts[0]!, identifier: parts[1]!, sent: parts[2]! };
}
