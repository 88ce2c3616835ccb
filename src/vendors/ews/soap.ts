// The SOAP envelope around every EWS request, and the reading of the envelope of every answer.
// Headers: RequestServerVersion (always: the server answers in that schema version) and
// ExchangeImpersonation (act as another mailbox's owner). The body element carries its own
// namespace declarations, so it is also a standalone document the schema tests validate with
// xmllint (shared/corpus/ews/schema has no SOAP envelope).
import { NS, attr, buildXml, child, children, el, elements, int, parseXml, text, textEl, XmlDecodeError, type XmlElement, type XmlNode } from './xml.ts';

/** RequestServerVersion values we send. Exchange2013 is what MarkAsJunk needs and every supported on-prem server accepts. */
export const EXCHANGE_VERSIONS = ['Exchange2010_SP2', 'Exchange2013', 'Exchange2013_SP1', 'Exchange2016'] as const;
export type ExchangeVersion = (typeof EXCHANGE_VERSIONS)[number];
export const DEFAULT_EXCHANGE_VERSION: ExchangeVersion = 'Exchange2013';

export interface EnvelopeOptions {
  serverVersion: ExchangeVersion;
  /** SMTP address to impersonate (ExchangeImpersonation/ConnectingSID/SmtpAddress). */
  impersonate?: string;
}

/** A request body element with the m: and t: namespaces declared on it. */
export function operation(name: string, attrs: Record<string, string | number | boolean | undefined> | undefined, ...children: (XmlElement | undefined | false)[]): XmlElement {
  return el(`m:${name}`, { 'xmlns:m': NS.messages, 'xmlns:t': NS.types, ...attrs }, ...children);
}

/** The SOAP header elements, each with the t: namespace declared (standalone-valid). */
export function headerElements(opts: EnvelopeOptions): XmlElement[] {
  const out = [el('t:RequestServerVersion', { 'xmlns:t': NS.types, Version: opts.serverVersion })];
  if (opts.impersonate) {
    out.push(el('t:ExchangeImpersonation', { 'xmlns:t': NS.types }, el('t:ConnectingSID', undefined, textEl('t:SmtpAddress', opts.impersonate))));
  }
  return out;
}

export function buildEnvelope(body: XmlElement, opts: EnvelopeOptions): string {
  const envelope = el('soap:Envelope', { 'xmlns:soap': NS.soap }, el('soap:Header', undefined, ...headerElements(opts)), el('soap:Body', undefined, body));
  return `<?xml version="1.0" encoding="utf-8"?>${buildXml(envelope)}`;
}

// ------------------------------------------------------------------ answers

export interface ServerVersionInfo {
  majorVersion?: number;
  minorVersion?: number;
  majorBuildNumber?: number;
  minorBuildNumber?: number;
  /** Schema version the server answered in (Exchange2013, V2018_01_08, ...), when it says. */
  version?: string;
}

export interface SoapFault {
  faultCode?: string;
  faultString?: string;
  /** The EWS response code (detail/ResponseCode, or an `ErrorX` faultcode). */
  responseCode?: string;
  /** detail/Message, else faultstring. */
  message?: string;
  /** detail/MessageXml values by Name (BackOffMilliseconds, ...). */
  messageXml: Record<string, string>;
}

export interface SoapAnswer {
  serverVersion?: ServerVersionInfo;
  /** The first element of soap:Body (`FindItemResponse`, `Fault`). */
  body: { name: string; node: XmlNode };
  fault?: SoapFault;
}

/** Reads a SOAP envelope. Throws XmlDecodeError when the text is not a SOAP envelope with a body. */
export function readEnvelope(xml: string): SoapAnswer {
  const doc = parseXml(xml);
  const envelope = child(doc, 'Envelope');
  const body = child(envelope, 'Body');
  const first = elements(body)[0];
  if (!envelope || !body || !first) {
    const root = elements(doc)[0]?.name;
    throw new XmlDecodeError(envelope ? 'the SOAP envelope has an empty body' : `the response is not a SOAP envelope${root ? ` (root element ${root})` : ''}`);
  }
  const info = child(child(envelope, 'Header'), 'ServerVersionInfo');
  return {
    ...(info ? { serverVersion: decodeServerVersion(info) } : {}),
    body: first,
    ...(first.name.toLowerCase() === 'fault' ? { fault: decodeFault(first.node) } : {}),
  };
}

function decodeServerVersion(n: XmlNode): ServerVersionInfo {
  const out: ServerVersionInfo = {};
  const set = (k: keyof Omit<ServerVersionInfo, 'version'>, a: string) => {
    const v = int(attr(n, a));
    if (v !== undefined) out[k] = v;
  };
  set('majorVersion', 'MajorVersion');
  set('minorVersion', 'MinorVersion');
  set('majorBuildNumber', 'MajorBuildNumber');
  set('minorBuildNumber', 'MinorBuildNumber');
  const version = attr(n, 'Version');
  if (version) out.version = version;
  return out;
}

/** `a:ErrorServerBusy` -> `ErrorServerBusy`; `soap:Client` stays a SOAP fault code. */
function localName(code: string | undefined): string | undefined {
  return code?.replace(/^[^:]*:/, '');
}

export function decodeFault(fault: XmlNode): SoapFault {
  const faultCode = text(child(fault, 'faultcode'));
  const faultString = text(child(fault, 'faultstring'));
  const detail = child(fault, 'detail');
  const messageXml = messageXmlValues(child(detail, 'MessageXml'));
  const codeFromFault = localName(faultCode);
  const responseCode = text(child(detail, 'ResponseCode')) ?? (codeFromFault?.startsWith('Error') ? codeFromFault : undefined);
  const message = text(child(detail, 'Message')) ?? faultString;
  return {
    ...(faultCode ? { faultCode } : {}),
    ...(faultString ? { faultString } : {}),
    ...(responseCode ? { responseCode } : {}),
    ...(message ? { message } : {}),
    messageXml,
  };
}

/** `<MessageXml><t:Value Name="BackOffMilliseconds">297749</t:Value></MessageXml>` -> { BackOffMilliseconds: '297749' }. */
export function messageXmlValues(node: XmlNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of children(node, 'Value')) {
    const name = attr(v, 'Name');
    const value = text(v);
    if (name && value !== undefined) out[name] = value;
  }
  return out;
}
