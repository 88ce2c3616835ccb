// Hand-built snapshots for card tests: a plausible parsed report, decisions in every state, and
// the corpus of hostile strings every card must survive.
import type { ReportSnapshot } from '../../src/chat/port.ts';
import type { DecisionRecord, ReportRecord, VendorStepOutcome } from '../../src/store/types.ts';
import type { Indicators } from '../../src/ingest/types.ts';

export const T0 = '2026-05-04T10:30:00.000Z';
export const T1 = '2026-05-04T10:42:00.000Z';

export function makeIndicators(over: Partial<Indicators> = {}): Indicators {
  return {
    urls: [
      {
        url: 'https://login.evil.example/o365/index.php?u=victim',
        host: 'login.evil.example',
        registrableDomain: 'evil.example',
        source: 'html',
        displayText: 'https://login.microsoftonline.com',
        mismatch: true,
      },
      { url: 'https://cdn.evil.example/logo.png', host: 'cdn.evil.example', source: 'html' },
    ],
    domains: [
      { domain: 'evil.example', registrableDomain: 'evil.example' },
      { domain: 'xn--mcrosoft-i2a.example', unicode: 'mícrosoft.example', punycode: true },
    ],
    ips: [
      { ip: '198.51.100.20', version: 4, source: 'received' },
      { ip: '203.0.113.7', version: 4, source: 'received', firstExternalHop: true },
    ],
    hashes: [],
    addresses: [
      { address: 'billing@evil.example', role: 'from' },
      { address: 'bounce@bounce.evil.example', role: 'return-path' },
    ],
    attachments: [
      {
        filename: 'invoice.pdf.html',
        contentType: 'text/html',
        size: 12_345,
        md5: 'd41d8cd98f00b204e9800998ecf8427e',
        sha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
        sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      },
    ],
    authentication: { spf: 'softfail', dkim: 'none', dmarc: 'fail' },
    ...over,
  };
}

export function makeReport(over: Partial<ReportRecord> = {}): ReportRecord {
  return {
    id: 'rep_01JTESTREPORT',
    dedupeKey: 'graph:AAMkAD-test',
    source: 'graph',
    sourceRef: 'AAMkAD-test',
    status: 'parsed',
    reportedBy: { address: 'alice@corp.example', name: 'Alice Analyst' },
    originalAttached: true,
    original: {
      subject: 'Your invoice is overdue',
      from: { address: 'billing@evil.example', name: 'Microsoft Billing' },
      to: [{ address: 'alice@corp.example' }, { address: 'bob@corp.example' }],
      cc: [],
      date: T0,
      internetMessageId: '<abc@evil.example>',
    },
    indicators: makeIndicators(),
    receivedAt: T0,
    createdAt: T0,
    ...over,
  };
}

export function makeSteps(): VendorStepOutcome[] {
  return [
    {
      vendor: 'graph',
      step: 'graph.remediate',
      status: 'partial',
      detail: 'soft-delete submitted for 3 mailboxes',
      recipients: [
        { address: 'alice@corp.example', status: 'ok' },
        { address: 'bob@corp.example', status: 'ok' },
        { address: 'carol@corp.example', status: 'failed', error: 'mailbox not found' },
      ],
    },
    { vendor: 'mimecast', step: 'mimecast.block-sender', status: 'ok', detail: 'sender blocked' },
    { vendor: 'cofense', step: 'cofense.quarantine', status: 'skipped', detail: 'not configured' },
  ];
}

export function makeDecision(over: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id: 'dec_01JTESTDECISION',
    reportId: 'rep_01JTESTREPORT',
    action: 'quarantine',
    idempotencyKey: 'rep_01JTESTREPORT:quarantine',
    state: 'done',
    requestedBy: { platform: 'slack', id: 'U0123ABCD', name: 'alice' },
    attempts: 1,
    outcome: { steps: makeSteps() },
    createdAt: T0,
    updatedAt: T1,
    ...over,
  };
}

export function snapshot(report: Partial<ReportRecord> = {}, decision?: Partial<DecisionRecord>): ReportSnapshot {
  const r = makeReport(report);
  return decision ? { report: r, decision: makeDecision({ reportId: r.id, ...decision }) } : { report: r };
}

/** Strings an attacker controls, each a known way to break out of a Slack card. */
export const HOSTILE = {
  channel: 'URGENT <!channel> invoice',
  here: 'ping <!here|here> and <!everyone>',
  user: 'call <@U123> now <#C999|general> <!subteam^S1|@secops>',
  link: '<https://evil.example|Microsoft>',
  pipeUrl: 'https://evil.example/a|Microsoft 365 login',
  amp: 'Tom &amp; Jerry & co &lt;b&gt;',
  backticks: 'a ` b ``` c `code` d',
  formatting: '*URGENT* _read_ ~now~ > quote',
  rlo: 'invoice\u202Efdp.exe and \u2066isolate\u2069 \u200E\u200F',
  zeroWidth: 'Pay\u200BPal Mi\u200Ccro\u200Dsoft \u2060x\uFEFF',
  loneSurrogate: 'bad \uD83D half and \uDE00 other half',
  bareDomain: 'see evil.example or www.evil.example or user@evil.example or 203.0.113.7',
  emojiRun: '🎣'.repeat(5000),
} as const;

/** All hostile strings in one (for fields that show a single string). */
export const HOSTILE_ALL = Object.entries(HOSTILE)
  .filter(([k]) => k !== 'emojiRun')
  .map(([, v]) => v)
  .join(' | ');
