import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import {
  CAP_CATEGORIES,
  CAP_CERTAINTIES,
  CAP_MSG_TYPES,
  CAP_NAMESPACE,
  CAP_RESPONSE_TYPES,
  CAP_SCOPES,
  CAP_SEVERITIES,
  CAP_STATUSES,
  CAP_URGENCIES,
  type CapAlert,
  type CapArea,
  type CapCircle,
  type CapInfo,
  type CapNamedValue,
  type CapPoint,
  type CapPolygon,
  type CapReference,
  type CapResource,
  type CapTime,
} from './cap-alert.ts';
import { parseCapDateTime } from './cap-time.ts';

// CAP 1.2 XML → CapAlert, and Atom/RSS feeds of CAP entries → their alerts or links.
// This is the edge: every byte of a CAP document passes through here once, and what comes
// out is typed and checked, so the evaluation and the ledger never look at XML. Nothing is
// fetched: a feed entry that links to its alert comes back as a URL for the watcher.
// Refusals carry a stable code and a sentence that names the input and what is wrong.
// No node:*, no clock: the caller reads the file or the socket and passes the text.

export const CAP_PARSE_CODES = ['CAP_MALFORMED_XML', 'CAP_WRONG_NAMESPACE', 'CAP_MISSING_ELEMENT', 'CAP_BAD_VALUE', 'CAP_TOO_LARGE'] as const;
export type CapParseCode = (typeof CAP_PARSE_CODES)[number];

export interface CapParseRefusal {
  readonly ok: false;
  readonly code: CapParseCode;
  readonly reason: string;
}

export type CapParseResult = { readonly ok: true; readonly alert: CapAlert } | CapParseRefusal;

export type CapFeedEntry =
  | { readonly kind: 'embedded'; readonly index: number; readonly entryId?: string | undefined; readonly title?: string | undefined; readonly result: CapParseResult }
  | { readonly kind: 'link'; readonly index: number; readonly entryId?: string | undefined; readonly title?: string | undefined; readonly url: string }
  | { readonly kind: 'refused'; readonly index: number; readonly entryId?: string | undefined; readonly title?: string | undefined; readonly code: CapParseCode; readonly reason: string };

export type CapDocumentResult =
  | { readonly ok: true; readonly kind: 'alert'; readonly alert: CapAlert }
  | { readonly ok: true; readonly kind: 'feed'; readonly format: 'atom' | 'rss'; readonly entries: readonly CapFeedEntry[] }
  | CapParseRefusal;

export interface CapParseOptions {
  /** Names the input in refusals: a file name or URL. */
  readonly source?: string | undefined;
  /** Largest accepted document in UTF-8 bytes; defaults below. */
  readonly maxBytes?: number | undefined;
  /** Resolves relative links in a feed (the feed's own URL). */
  readonly baseUrl?: string | undefined;
}

/**
 * Real alerts are a few kilobytes; 1 MiB leaves room for a small embedded resource while
 * bounding what a broken or hostile feed can make the station parse and store.
 */
export const DEFAULT_MAX_ALERT_BYTES = 1024 * 1024;
/** A feed carries many entries, some with embedded alerts. */
export const DEFAULT_MAX_FEED_BYTES = 8 * 1024 * 1024;

export const ATOM_NAMESPACE = 'http://www.w3.org/2005/Atom';
export const CAP_MIME_TYPE = 'application/cap+xml';

/** Thrown inside this module only, caught by the exported functions and returned as a refusal. */
class Refusal extends Error {
  constructor(
    readonly code: CapParseCode,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/** Length in UTF-8 bytes, counted without TextEncoder so that this file needs no host API. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** Parses one CAP 1.2 alert document. A feed is refused here; use parseCapDocument for both. */
export function parseCap(text: string, options: CapParseOptions = {}): CapParseResult {
  const result = parseCapDocument(text, { ...options, maxBytes: options.maxBytes ?? DEFAULT_MAX_ALERT_BYTES });
  if (!result.ok) return result;
  if (result.kind === 'alert') return { ok: true, alert: result.alert };
  const source = options.source ?? 'the CAP document';
  return refusal('CAP_MISSING_ELEMENT', `${source}: is an ${result.format === 'atom' ? 'Atom' : 'RSS'} feed, not a single CAP <alert>; read it as a feed`);
}

/** Parses a CAP 1.2 alert, or an Atom or RSS feed whose entries embed or link CAP alerts. */
export function parseCapDocument(text: string, options: CapParseOptions = {}): CapDocumentResult {
  const source = options.source ?? 'the CAP document';
  try {
    const size = utf8ByteLength(text);
    const feedLimit = options.maxBytes ?? DEFAULT_MAX_FEED_BYTES;
    if (size > feedLimit) throw tooLarge(source, size, feedLimit);
    const document = parseXml(text, source);
    const root = document.documentElement!;
    if (root.localName === 'feed' && root.namespaceURI === ATOM_NAMESPACE) return { ok: true, kind: 'feed', format: 'atom', entries: atomEntries(root, source, options) };
    if (root.localName === 'rss' && root.namespaceURI === null) return { ok: true, kind: 'feed', format: 'rss', entries: rssEntries(root, source, options) };
    const alertLimit = options.maxBytes ?? DEFAULT_MAX_ALERT_BYTES;
    if (size > alertLimit) throw tooLarge(source, size, alertLimit);
    return { ok: true, kind: 'alert', alert: readAlert(root, source) };
  } catch (error) {
    if (error instanceof Refusal) return refusal(error.code, error.reason);
    throw error;
  }
}

function refusal(code: CapParseCode, reason: string): CapParseRefusal {
  return { ok: false, code, reason };
}

function tooLarge(source: string, size: number, limit: number): Refusal {
  return new Refusal('CAP_TOO_LARGE', `${source}: is ${size} bytes, over the ${limit}-byte limit for CAP input; a real alert is a few kilobytes, so this is not read`);
}

// ---------------------------------------------------------------------------------------------
// XML

const XML_DECLARATION = /^\uFEFF?<\?xml\s[^?]*?encoding\s*=\s*["']([^"']+)["']/;

function parseXml(text: string, source: string): Document {
  // The caller decodes bytes as UTF-8 (what CAP feeds use); a document that says otherwise
  // would be read with the wrong characters, so it is refused rather than garbled.
  const declared = XML_DECLARATION.exec(text)?.[1];
  if (declared !== undefined && !/^utf-?8$/i.test(declared)) {
    throw new Refusal('CAP_MALFORMED_XML', `${source}: declares encoding "${declared}"; only UTF-8 CAP documents are accepted`);
  }
  const problems: string[] = [];
  let document: Document;
  try {
    // Every complaint counts, warnings included: a warning document is unsafe to interpret.
    document = new DOMParser({ onError: (level, message) => void problems.push(`${level}: ${message.split('\n')[0]}`) }).parseFromString(text.replace(/^\uFEFF/, ''), 'text/xml');
  } catch (error) {
    throw new Refusal('CAP_MALFORMED_XML', `${source}: is not well-formed XML (${firstLine(problems[0] ?? (error as Error).message)})`);
  }
  if (problems.length > 0) throw new Refusal('CAP_MALFORMED_XML', `${source}: is not well-formed XML (${firstLine(problems[0]!)})`);
  // CAP needs no DTD; refusing one closes the door on entity tricks whatever the parser does.
  if (document.doctype) throw new Refusal('CAP_MALFORMED_XML', `${source}: contains a DOCTYPE declaration, which CAP documents never need; it is refused for safety`);
  const root = document.documentElement;
  if (!root) throw new Refusal('CAP_MALFORMED_XML', `${source}: has no root element`);
  if (root.localName !== 'alert' && !(root.localName === 'feed' && root.namespaceURI === ATOM_NAMESPACE) && !(root.localName === 'rss' && root.namespaceURI === null)) {
    throw new Refusal('CAP_MISSING_ELEMENT', `${source}: the root element is <${root.tagName}>, neither a CAP 1.2 <alert> nor an Atom or RSS feed of alerts`);
  }
  return document;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.replace(/^(?:warning|error|fatalError): /, '').slice(0, 200);
}

function childElements(parent: Element): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) if (node.nodeType === ELEMENT_NODE) out.push(node as Element);
  return out;
}

/** CAP children of an element: other namespaces (e.g. an XML signature) are skipped, as CAP allows. */
function capChildren(parent: Element, name: string): Element[] {
  return childElements(parent).filter((e) => e.localName === name && e.namespaceURI === CAP_NAMESPACE);
}

/** Text of an element, NFC as the project stores and renders all text, outer whitespace trimmed. */
function textOf(element: Element): string {
  let text = '';
  for (let node = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) text += node.nodeValue ?? '';
  }
  return text.normalize('NFC').trim();
}

// ---------------------------------------------------------------------------------------------
// Alert

/** Where we are in the alert, for messages: "the <alert>", "info 1 (vi-VN)", "info 1, area 2". */
type Where = string;

function optionalText(parent: Element, name: string, where: Where, source: string): string | undefined {
  const found = capChildren(parent, name);
  if (found.length > 1) throw new Refusal('CAP_BAD_VALUE', `${source}: ${where} has ${found.length} <${name}> elements; CAP 1.2 allows one`);
  if (found.length === 0) return undefined;
  const text = textOf(found[0]!);
  return text === '' ? undefined : text;
}

function requiredText(parent: Element, name: string, where: Where, source: string): string {
  const found = capChildren(parent, name);
  if (found.length === 0) throw new Refusal('CAP_MISSING_ELEMENT', `${source}: ${where} has no <${name}> element, which CAP 1.2 requires`);
  const text = optionalText(parent, name, where, source);
  if (text === undefined) throw new Refusal('CAP_BAD_VALUE', `${source}: the <${name}> of ${where} is empty; CAP 1.2 requires a value`);
  return text;
}

function enumValue<T extends string>(value: string, allowed: readonly T[], name: string, where: Where, source: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Refusal('CAP_BAD_VALUE', `${source}: the <${name}> of ${where} is "${value}", which is not one of ${allowed.join(', ')} (CAP 1.2 values are case-sensitive)`);
}

function timeValue(text: string, name: string, where: Where, source: string): CapTime {
  const parsed = parseCapDateTime(text);
  if (!parsed.ok) throw new Refusal('CAP_BAD_VALUE', `${source}: the <${name}> of ${where}: ${parsed.reason}`);
  return parsed.time;
}

function optionalTime(parent: Element, name: string, where: Where, source: string): CapTime | undefined {
  const text = optionalText(parent, name, where, source);
  return text === undefined ? undefined : timeValue(text, name, where, source);
}

// CAP 1.2: identifier and sender "MUST NOT include spaces, commas or restricted characters
// (< and &)". The key and the references rely on it: a comma would make "sender,identifier,sent"
// ambiguous, so such a value is refused rather than mangled.
const CAP_IDENTIFIER = /^[^\s,<&]+$/;

function identifierValue(parent: Element, name: string, source: string): string {
  const value = requiredText(parent, name, 'the <alert>', source);
  if (!CAP_IDENTIFIER.test(value)) throw new Refusal('CAP_BAD_VALUE', `${source}: the <${name}> "${value}" contains a space, comma, < or &, which CAP 1.2 forbids`);
  return value;
}

/** Space-separated list where an item with spaces is double-quoted (addresses, incidents). */
function splitList(text: string): string[] {
  const out: string[] = [];
  const pattern = /"([^"]*)"|(\S+)/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) out.push(match[1] ?? match[2]!);
  return out;
}

function readReferences(text: string | undefined, source: string): CapReference[] {
  if (text === undefined) return [];
  return text.split(/\s+/).filter(Boolean).map((triple) => {
    const parts = triple.split(',');
    if (parts.length !== 3 || parts.some((p) => p === '')) {
      throw new Refusal('CAP_BAD_VALUE', `${source}: the reference "${triple}" in <references> is not a "sender,identifier,sent" triple`);
    }
    const [sender, identifier, sent] = parts as [string, string, string];
    const time = timeValue(sent, 'references', 'the <alert>', source);
    return { sender, identifier, sent, sentMs: time.ms, key: triple };
  });
}

function readAlert(root: Element, source: string): CapAlert {
  if (root.localName !== 'alert') throw new Refusal('CAP_MISSING_ELEMENT', `${source}: expected a CAP <alert> element, found <${root.tagName}>`);
  if (root.namespaceURI !== CAP_NAMESPACE) {
    const found = root.namespaceURI ? `namespace "${root.namespaceURI}"` : 'no namespace';
    throw new Refusal('CAP_WRONG_NAMESPACE', `${source}: the <alert> has ${found}; only CAP 1.2 ("${CAP_NAMESPACE}") is accepted`);
  }
  const where = 'the <alert>';
  const identifier = identifierValue(root, 'identifier', source);
  const sender = identifierValue(root, 'sender', source);
  const sent = timeValue(requiredText(root, 'sent', where, source), 'sent', where, source);
  const status = enumValue(requiredText(root, 'status', where, source), CAP_STATUSES, 'status', where, source);
  const msgType = enumValue(requiredText(root, 'msgType', where, source), CAP_MSG_TYPES, 'msgType', where, source);
  const scope = enumValue(requiredText(root, 'scope', where, source), CAP_SCOPES, 'scope', where, source);
  const restriction = optionalText(root, 'restriction', where, source);
  const addresses = optionalText(root, 'addresses', where, source);
  if (scope === 'Restricted' && restriction === undefined) throw new Refusal('CAP_MISSING_ELEMENT', `${source}: the <alert> has scope Restricted but no <restriction>, which CAP 1.2 then requires`);
  if (scope === 'Private' && addresses === undefined) throw new Refusal('CAP_MISSING_ELEMENT', `${source}: the <alert> has scope Private but no <addresses>, which CAP 1.2 then requires`);
  const references = readReferences(optionalText(root, 'references', where, source), source);
  if ((msgType === 'Update' || msgType === 'Cancel') && references.length === 0) {
    throw new Refusal('CAP_MISSING_ELEMENT', `${source}: the <alert> is an ${msgType} but has no <references> naming the alert it ${msgType === 'Update' ? 'updates' : 'cancels'}`);
  }
  const infos = capChildren(root, 'info').map((info, i) => readInfo(info, i, source));
  return {
    identifier,
    sender,
    sent,
    status,
    msgType,
    source: optionalText(root, 'source', where, source),
    scope,
    restriction,
    addresses,
    codes: capChildren(root, 'code').map(textOf).filter(Boolean),
    note: optionalText(root, 'note', where, source),
    references,
    incidents: splitList(optionalText(root, 'incidents', where, source) ?? ''),
    infos,
  };
}

function namedValues(parent: Element, name: string, where: Where, source: string): CapNamedValue[] {
  return capChildren(parent, name).map((element) => ({
    valueName: requiredText(element, 'valueName', `a <${name}> of ${where}`, source),
    // An empty value is legal CAP (a parameter may be blank); only the name is required.
    value: optionalText(element, 'value', `a <${name}> of ${where}`, source) ?? '',
  }));
}

function readInfo(info: Element, index: number, source: string): CapInfo {
  const language = optionalText(info, 'language', `info ${index + 1}`, source) ?? 'en-US';
  const where = `info ${index + 1} (${language})`;
  const categories = capChildren(info, 'category').map((c) => enumValue(textOf(c), CAP_CATEGORIES, 'category', where, source));
  if (categories.length === 0) throw new Refusal('CAP_MISSING_ELEMENT', `${source}: ${where} has no <category> element, which CAP 1.2 requires`);
  const number = (text: string | undefined, name: string): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^-?\d+(?:\.\d+)?$/.test(text)) throw new Refusal('CAP_BAD_VALUE', `${source}: the <${name}> of ${where} is "${text}", not a number`);
    return Number(text);
  };
  const resources = capChildren(info, 'resource').map((resource, i): CapResource => {
    const at = `resource ${i + 1} of ${where}`;
    const size = number(optionalText(resource, 'size', at, source), 'size');
    return {
      resourceDesc: requiredText(resource, 'resourceDesc', at, source),
      mimeType: requiredText(resource, 'mimeType', at, source),
      size,
      uri: optionalText(resource, 'uri', at, source),
      derefUri: optionalText(resource, 'derefUri', at, source),
      digest: optionalText(resource, 'digest', at, source),
    };
  });
  return {
    language,
    categories,
    event: requiredText(info, 'event', where, source),
    responseTypes: capChildren(info, 'responseType').map((c) => enumValue(textOf(c), CAP_RESPONSE_TYPES, 'responseType', where, source)),
    urgency: enumValue(requiredText(info, 'urgency', where, source), CAP_URGENCIES, 'urgency', where, source),
    severity: enumValue(requiredText(info, 'severity', where, source), CAP_SEVERITIES, 'severity', where, source),
    certainty: enumValue(requiredText(info, 'certainty', where, source), CAP_CERTAINTIES, 'certainty', where, source),
    audience: optionalText(info, 'audience', where, source),
    eventCodes: namedValues(info, 'eventCode', where, source),
    effective: optionalTime(info, 'effective', where, source),
    onset: optionalTime(info, 'onset', where, source),
    expires: optionalTime(info, 'expires', where, source),
    senderName: optionalText(info, 'senderName', where, source),
    headline: optionalText(info, 'headline', where, source),
    description: optionalText(info, 'description', where, source),
    instruction: optionalText(info, 'instruction', where, source),
    web: optionalText(info, 'web', where, source),
    contact: optionalText(info, 'contact', where, source),
    parameters: namedValues(info, 'parameter', where, source),
    resources,
    areas: capChildren(info, 'area').map((area, i) => readArea(area, `${where}, area ${i + 1}`, source)),
  };
}

const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$/;

function coordinate(pair: string, what: string, where: Where, source: string): CapPoint {
  const parts = pair.split(',');
  if (parts.length !== 2 || !DECIMAL.test(parts[0]!) || !DECIMAL.test(parts[1]!)) {
    throw new Refusal('CAP_BAD_VALUE', `${source}: the ${what} of ${where} has "${pair}", not a "latitude,longitude" pair of decimal degrees`);
  }
  const lat = Number(parts[0]);
  const lon = Number(parts[1]);
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
    throw new Refusal('CAP_BAD_VALUE', `${source}: the ${what} of ${where} has "${pair}", outside latitude −90…90 or longitude −180…180`);
  }
  return { lat, lon };
}

function readPolygon(text: string, where: Where, source: string): CapPolygon {
  const points = text.split(/\s+/).filter(Boolean).map((pair) => coordinate(pair, '<polygon>', where, source));
  if (points.length < 4) throw new Refusal('CAP_BAD_VALUE', `${source}: a <polygon> of ${where} has ${points.length} points; CAP 1.2 requires at least 4 with the first repeated as the last`);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (first.lat !== last.lat || first.lon !== last.lon) {
    throw new Refusal('CAP_BAD_VALUE', `${source}: a <polygon> of ${where} is not closed: it starts at ${first.lat},${first.lon} and ends at ${last.lat},${last.lon}; CAP 1.2 requires the first point repeated as the last`);
  }
  return { points };
}

function readCircle(text: string, where: Where, source: string): CapCircle {
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length !== 2 || !DECIMAL.test(parts[1]!)) {
    throw new Refusal('CAP_BAD_VALUE', `${source}: a <circle> of ${where} is "${text}", not "latitude,longitude radius" with the radius in kilometres`);
  }
  const radiusKm = Number(parts[1]);
  if (radiusKm < 0) throw new Refusal('CAP_BAD_VALUE', `${source}: a <circle> of ${where} has a negative radius`);
  return { centre: coordinate(parts[0]!, '<circle>', where, source), radiusKm };
}

function readArea(area: Element, where: Where, source: string): CapArea {
  const number = (name: string): number | undefined => {
    const text = optionalText(area, name, where, source);
    if (text === undefined) return undefined;
    if (!DECIMAL.test(text)) throw new Refusal('CAP_BAD_VALUE', `${source}: the <${name}> of ${where} is "${text}", not a number of feet`);
    return Number(text);
  };
  const altitude = number('altitude');
  const ceiling = number('ceiling');
  if (ceiling !== undefined && altitude === undefined) throw new Refusal('CAP_MISSING_ELEMENT', `${source}: ${where} has a <ceiling> but no <altitude>, which CAP 1.2 then requires`);
  return {
    areaDesc: requiredText(area, 'areaDesc', where, source),
    polygons: capChildren(area, 'polygon').map((p) => readPolygon(textOf(p), where, source)),
    circles: capChildren(area, 'circle').map((c) => readCircle(textOf(c), where, source)),
    geocodes: namedValues(area, 'geocode', where, source),
    altitude,
    ceiling,
  };
}

// ---------------------------------------------------------------------------------------------
// Feeds

/** Alerts inside an entry: <alert> elements at any depth (Atom puts them in <content>). */
function embeddedAlerts(entry: Element): Element[] {
  const out: Element[] = [];
  const walk = (element: Element): void => {
    for (const child of childElements(element)) {
      if (child.localName === 'alert') out.push(child);
      else walk(child);
    }
  };
  walk(entry);
  return out;
}

/** Some feeds escape the alert as text inside <content>; it is parsed like a document of its own. */
function escapedAlert(entry: Element, contentName: string): string | undefined {
  for (const content of childElements(entry).filter((e) => e.localName === contentName)) {
    const text = textOf(content);
    if (text.startsWith('<') && /<(?:\w+:)?alert[\s>]/.test(text)) return text;
  }
  return undefined;
}

/**
 * The WHATWG URL parser, present in Node and every browser. Reached through globalThis so that
 * this file type-checks without Node's or the DOM's declarations, like the pure folders.
 */
const WhatwgUrl = (globalThis as unknown as { URL: new (input: string, base?: string) => { protocol: string; href: string } }).URL;

function feedUrl(href: string, base: string | undefined): string | undefined {
  try {
    const url = base === undefined ? new WhatwgUrl(href) : new WhatwgUrl(href, base);
    // The watcher fetches these: only the web, never file: or other local schemes.
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

interface EntryParts {
  readonly entryId?: string | undefined;
  readonly title?: string | undefined;
}

function entryFromAlerts(
  entry: Element,
  parts: EntryParts & { index: number; contentName: string; links: readonly string[] },
  source: string,
  options: CapParseOptions,
): CapFeedEntry[] {
  const where = `${source}, entry ${parts.index + 1}${parts.entryId ? ` (${parts.entryId})` : ''}`;
  const base = { index: parts.index, entryId: parts.entryId, title: parts.title };
  const alerts = embeddedAlerts(entry);
  if (alerts.length > 0) {
    return alerts.map((alert) => {
      try {
        return { kind: 'embedded', ...base, result: { ok: true, alert: readAlert(alert, where) } };
      } catch (error) {
        if (error instanceof Refusal) return { kind: 'embedded', ...base, result: refusal(error.code, error.reason) };
        throw error;
      }
    });
  }
  const escaped = escapedAlert(entry, parts.contentName);
  if (escaped !== undefined) return [{ kind: 'embedded', ...base, result: parseCap(escaped, { source: where, maxBytes: options.maxBytes }) }];
  if (parts.links.length === 0) return [{ kind: 'refused', ...base, code: 'CAP_MISSING_ELEMENT', reason: `${where}: has neither an embedded CAP <alert> nor a link to one` }];
  return parts.links.map((href): CapFeedEntry => {
    const url = feedUrl(href, options.baseUrl);
    return url === undefined
      ? { kind: 'refused', ...base, code: 'CAP_BAD_VALUE', reason: `${where}: the link "${href}" is not an absolute http(s) address the watcher can fetch` }
      : { kind: 'link', ...base, url };
  });
}

function atomEntries(feed: Element, source: string, options: CapParseOptions): CapFeedEntry[] {
  const atom = (parent: Element, name: string) => childElements(parent).filter((e) => e.localName === name && e.namespaceURI === ATOM_NAMESPACE);
  return atom(feed, 'entry').flatMap((entry, index) => {
    const links = atom(entry, 'link');
    const typed = links.filter((l) => (l.getAttribute('type') ?? '').toLowerCase() === CAP_MIME_TYPE);
    // Without a typed link, the entry's main link is the alert (as the US NWS feed does it).
    const chosen = typed.length > 0 ? typed : links.filter((l) => (l.getAttribute('rel') ?? 'alternate') === 'alternate');
    const firstText = (name: string) => {
      const element = atom(entry, name)[0];
      return element ? textOf(element) || undefined : undefined;
    };
    return entryFromAlerts(
      entry,
      { index, entryId: firstText('id'), title: firstText('title'), contentName: 'content', links: chosen.map((l) => l.getAttribute('href') ?? '').filter(Boolean) },
      source,
      options,
    );
  });
}

function rssEntries(rss: Element, source: string, options: CapParseOptions): CapFeedEntry[] {
  const plain = (parent: Element, name: string) => childElements(parent).filter((e) => e.localName === name && e.namespaceURI === null);
  const channel = plain(rss, 'channel')[0];
  if (!channel) throw new Refusal('CAP_MISSING_ELEMENT', `${source}: the RSS feed has no <channel>`);
  return plain(channel, 'item').flatMap((item, index) => {
    const enclosures = plain(item, 'enclosure').filter((e) => (e.getAttribute('type') ?? '').toLowerCase() === CAP_MIME_TYPE);
    const links = enclosures.length > 0 ? enclosures.map((e) => e.getAttribute('url') ?? '') : plain(item, 'link').map(textOf);
    const firstText = (name: string) => {
      const element = plain(item, name)[0];
      return element ? textOf(element) || undefined : undefined;
    };
    return entryFromAlerts(item, { index, entryId: firstText('guid'), title: firstText('title'), contentName: 'description', links: links.filter(Boolean) }, source, options);
  });
}
