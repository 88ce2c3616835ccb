// XML plumbing for EWS, on fast-xml-parser. Requests are built as ordered element trees (EWS
// request schemas are sequences: element order matters); responses are read leniently, because
// real Exchange servers and Microsoft's own documented examples break the schema:
// - namespace prefixes vary (s:/soap:, m:/default namespace, t:/h:), so prefixes are dropped;
// - names drift in case (`t:ItemID` in the CopyItem reference example), so lookups ignore case;
// - one element or several, empty elements (`<m:Items/>`), whitespace: all normalised here;
// - an item body may arrive with raw, unescaped HTML inside it: item bodies and MimeContent are
//   taken verbatim (stop nodes) and decoded here, which is also ~20x faster on large bodies.
// A response with a DTD is refused (SOAP forbids DTDs; entity expansion is an attack surface).
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  types: 'http://schemas.microsoft.com/exchange/services/2006/types',
  messages: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  errors: 'http://schemas.microsoft.com/exchange/services/2006/errors',
} as const;

// ------------------------------------------------------------------ building

/** One element of a request, in XMLBuilder's preserveOrder shape. */
export type XmlElement = { [name: string]: XmlChild[] } & { ':@'?: Record<string, string> };
type XmlText = { '#text': string };
export type XmlChild = XmlElement | XmlText;

/** XML 1.0 forbids most control characters; a subject or search text carrying one would be rejected by the server. */
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlSafe(text: string): string {
  return text.replace(INVALID_XML_CHARS, '');
}

/** An element: `el('t:ItemId', { Id: 'AAMk' })`, `el('m:ItemIds', undefined, ...ids)`. Undefined attributes are dropped. */
export function el(name: string, attrs?: Record<string, string | number | boolean | undefined>, ...children: (XmlChild | undefined | false)[]): XmlElement {
  const node = { [name]: children.filter((c): c is XmlChild => Boolean(c)) } as XmlElement;
  if (attrs) {
    const a: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) a[`@_${k}`] = xmlSafe(String(v));
    if (Object.keys(a).length) node[':@'] = a;
  }
  return node;
}

/** An element holding text: `textEl('t:BaseShape', 'IdOnly')`. */
export function textEl(name: string, text: string | number | boolean, attrs?: Record<string, string | number | boolean | undefined>): XmlElement {
  const value = xmlSafe(String(text));
  return el(name, attrs, ...(value === '' ? [] : [{ '#text': value }]));
}

const builder = new XMLBuilder({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true });

export function buildXml(root: XmlElement): string {
  return builder.build([root]) as string;
}

// ------------------------------------------------------------------ reading

export type XmlNode = { [key: string]: unknown };

const STOP_NODES = ['..MimeContent', '..Body[BodyType]', '..UniqueBody[BodyType]', '..NormalizedBody[BodyType]', '..TextBody[BodyType]'];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  // Numeric character references (&#xD;) appear in real responses; named HTML entities are tolerated.
  htmlEntities: true,
  // Document order of mixed siblings (a Message, then a MeetingRequest, then a Message) is kept
  // in metadata, so item lists stay in the server's (sorted) order.
  captureMetaData: true,
  stopNodes: STOP_NODES,
});

const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

export class XmlDecodeError extends Error {
  static {
    this.prototype.name = 'XmlDecodeError';
  }
}

/** Parses a response document. Throws XmlDecodeError on a DTD or on text that holds no element. */
export function parseXml(text: string): XmlNode {
  if (/<!DOCTYPE/i.test(text.slice(0, 4096))) throw new XmlDecodeError('the response carries a DTD, which SOAP forbids: refused');
  let doc: unknown;
  try {
    doc = parser.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new XmlDecodeError(`the response is not XML (${(err as Error).message.split('\n')[0]})`);
  }
  if (!isNode(doc) || elements(doc).length === 0) throw new XmlDecodeError('the response holds no XML element');
  return doc;
}

function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Wraps what the parser gives for one element (a string for a bare text element) as a node. */
function asNode(v: unknown): XmlNode | undefined {
  if (isNode(v)) return v;
  if (typeof v === 'string') return { '#text': v };
  return undefined;
}

function keyOf(node: XmlNode, name: string): string | undefined {
  if (name in node) return name;
  const lower = name.toLowerCase();
  return Object.keys(node).find((k) => k.toLowerCase() === lower);
}

/** Every child element called `name` (case-insensitive), as nodes. */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  if (!node) return [];
  const key = keyOf(node, name);
  if (key === undefined) return [];
  const v = node[key];
  const list = Array.isArray(v) ? v : [v];
  return list.map(asNode).filter((n): n is XmlNode => n !== undefined);
}

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return children(node, name)[0];
}

/** A path of child names: `path(rm, 'RootFolder', 'Items')`. */
export function path(node: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
  let cur = node;
  for (const n of names) cur = child(cur, n);
  return cur;
}

/** Every child element with its local name, in document order. */
export function elements(node: XmlNode | undefined): { name: string; node: XmlNode }[] {
  if (!node) return [];
  const out: { name: string; node: XmlNode; at: number; seq: number }[] = [];
  let seq = 0;
  for (const [key, v] of Object.entries(node)) {
    if (key.startsWith('@_') || key === '#text' || key === '?xml') continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      const n = asNode(item);
      if (!n) continue;
      const meta = (isNode(item) ? (item as Record<symbol, unknown>)[META] : undefined) as { startIndex?: number } | undefined;
      out.push({ name: key, node: n, at: meta?.startIndex ?? Number.MAX_SAFE_INTEGER, seq: seq++ });
    }
  }
  // Elements without metadata (empty or text-only ones) keep their relative order after those with it.
  out.sort((a, b) => a.at - b.at || a.seq - b.seq);
  return out.map(({ name, node: n }) => ({ name, node: n }));
}

/** The text of an element (trimmed; undefined when empty or absent). */
export function text(node: XmlNode | undefined): string | undefined {
  if (!node) return undefined;
  const v = node['#text'];
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

export function childText(node: XmlNode | undefined, name: string): string | undefined {
  return text(child(node, name));
}

export function attr(node: XmlNode | undefined, name: string): string | undefined {
  if (!node) return undefined;
  const key = keyOf(node, `@_${name}`);
  const v = key === undefined ? undefined : node[key];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/** Verbatim text of a stop node (item Body, MimeContent): CDATA unwrapped, XML entities decoded once. */
export function rawText(node: XmlNode | undefined): string | undefined {
  if (!node) return undefined;
  const v = node['#text'];
  if (typeof v !== 'string') return undefined;
  return decodeXmlText(v);
}

const ENTITY = /<!\[CDATA\[([\s\S]*?)\]\]>|&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** One pass, so `&amp;lt;` becomes `&lt;` (not `<`). Unknown entities (`&nbsp;` in raw HTML) stay as they are. */
export function decodeXmlText(s: string): string {
  if (!s.includes('&') && !s.includes('<![CDATA[')) return s;
  return s.replace(ENTITY, (_m, cdata: string | undefined, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (cdata !== undefined) return cdata;
    if (named) return NAMED[named] as string;
    const code = dec !== undefined ? Number(dec) : Number.parseInt(hex as string, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : _m;
  });
}

export function bool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  return undefined;
}

export function int(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*-?\d+\s*$/.test(v)) return undefined;
  return Number(v);
}
