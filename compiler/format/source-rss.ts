import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { SOURCE_FEED_FORMAT } from './source-feed.ts';
import { VIETNAM_OFFSET_MS } from './vietnam-time.ts';

// The RSS 2.0 variant of the source feed (README, "Source feed"). RSS has no place for what a
// notice needs beyond a title and a text, so those fields come from elements in the namespace
// SOURCE_RSS_NAMESPACE; the result is the same feed object the JSON variant gives, checked
// item by item by the same schema. RSS carries no signature: its items always arrive as drafts.
//
//   <rss version="2.0" xmlns:bt="https://bang-tin.vn/ns/source-feed/1">
//     <channel>
//       <title>Hệ thống thông tin nguồn tỉnh Gia Lai</title>       → name
//       <bt:source>stttt-gia-lai</bt:source>                          → source
//       <lastBuildDate>Sat, 21 Nov 2026 07:00:00 +0700</lastBuildDate> → generatedAt
//       <item>
//         <guid isPermaLink="false">bau-cu-hdnd</guid>               → id
//         <title>…</title>  <category>tuyen-truyen</category>
//         <description>plain text or the Markdown subset</description> → body
//         <pubDate>…</pubDate>                                        → valid.from (unless bt:validFrom)
//         <bt:validFrom>2026-11-20T00:00:00+07:00</bt:validFrom>    (optional)
//         <bt:validTo>2026-12-20T00:00:00+07:00</bt:validTo>
//         <bt:priority>normal</bt:priority>                           (optional, default normal)
//         <bt:riskLevel>3</bt:riskLevel>                              (emergencies)
//         <bt:target>tinh-gia-lai</bt:target>                         (one or more)
//         <enclosure url="https://…/anh.jpg" type="image/jpeg" length="28301" bt:sha256="…"/>
//       </item>
//     </channel>
//   </rss>
//
// Missing or malformed values are passed on as they are (or left out), so the feed schema
// reports them with the item and the field, as for a JSON feed.

export const SOURCE_RSS_NAMESPACE = 'https://bang-tin.vn/ns/source-feed/1';

export type RssResult = { ok: true; feed: Record<string, unknown> } | { ok: false; message: string };

function children(parent: Element, name: string, namespace?: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType !== 1) continue;
    const element = node as Element;
    if (namespace === undefined ? element.namespaceURI === null && element.localName === name : element.namespaceURI === namespace && element.localName === name) found.push(element);
  }
  return found;
}

function text(parent: Element, name: string, namespace?: string): string | undefined {
  const value = children(parent, name, namespace)[0]?.textContent;
  return value === undefined || value === null ? undefined : value.trim();
}

/** An RFC 822 date (RSS) as an ISO instant in Vietnam time, or the text as given when it does not parse. */
function rssInstant(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return value;
  const wall = new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(0, 19);
  return `${wall}+07:00`;
}

export function looksLikeXml(bytes: Uint8Array): boolean {
  for (const byte of bytes.subarray(0, 64)) {
    if (byte === 0x3c) return true; // "<"
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0xef && byte !== 0xbb && byte !== 0xbf) return false;
  }
  return false;
}

export function rssToSourceFeed(xml: string): RssResult {
  const problems: string[] = [];
  let document: Document;
  try {
    document = new DOMParser({ onError: (level, message) => void problems.push(`${level}: ${message.split('\n')[0]}`) }).parseFromString(xml.replace(/^\uFEFF/, ''), 'text/xml');
  } catch (error) {
    return { ok: false, message: `not well-formed XML (${(problems[0] ?? (error as Error).message).split('\n')[0]})` };
  }
  if (problems.length > 0) return { ok: false, message: `not well-formed XML (${problems[0]})` };
  if (document.doctype) return { ok: false, message: 'contains a DOCTYPE declaration, which an RSS feed never needs; it is refused for safety' };
  const root = document.documentElement;
  if (!root || root.localName !== 'rss' || root.getAttribute('version') !== '2.0') return { ok: false, message: 'the root element must be <rss version="2.0">' };
  const channel = children(root, 'channel')[0];
  if (!channel) return { ok: false, message: 'the feed has no <channel>' };
  const items = children(channel, 'item').map((item) => {
    const images = children(item, 'enclosure')
      .filter((enclosure) => (enclosure.getAttribute('type') ?? 'image/').startsWith('image/'))
      .map((enclosure) => ({ url: enclosure.getAttribute('url') ?? '', sha256: enclosure.getAttributeNS(SOURCE_RSS_NAMESPACE, 'sha256') ?? '' }));
    const riskLevel = text(item, 'riskLevel', SOURCE_RSS_NAMESPACE);
    return {
      id: text(item, 'guid'),
      title: text(item, 'title'),
      category: text(item, 'category'),
      priority: text(item, 'priority', SOURCE_RSS_NAMESPACE) ?? 'normal',
      ...(riskLevel !== undefined ? { riskLevel: /^\d+$/.test(riskLevel) ? Number(riskLevel) : riskLevel } : {}),
      valid: { from: text(item, 'validFrom', SOURCE_RSS_NAMESPACE) ?? rssInstant(text(item, 'pubDate')), to: text(item, 'validTo', SOURCE_RSS_NAMESPACE) },
      targets: children(item, 'target', SOURCE_RSS_NAMESPACE).map((target) => (target.textContent ?? '').trim()),
      body: children(item, 'description')[0]?.textContent ?? '',
      ...(images.length > 0 ? { images } : {}),
    };
  });
  return {
    ok: true,
    feed: {
      format: SOURCE_FEED_FORMAT,
      source: text(channel, 'source', SOURCE_RSS_NAMESPACE),
      name: text(channel, 'title'),
      generatedAt: text(channel, 'generatedAt', SOURCE_RSS_NAMESPACE) ?? rssInstant(text(channel, 'lastBuildDate')),
      items,
    },
  };
}
