// The reports the sandbox's reporting mailbox starts with: what a newcomer sees on the console
// before they have any mail of their own. Written by hand so they are realistic (report-button
// shape: the phish attached as message/rfc822, Exchange's network message id, auth verdicts) and
// harmless: only reserved names (example.com/.test, RFC 2606) and documentation addresses
// (RFC 5737). Nothing here is ever fetched.
import { Buffer } from 'node:buffer';

export const SANDBOX_MAILBOX = 'phish-reports@contoso.example.com';
export const SANDBOX_DOMAIN = 'contoso.example.com';

export interface SeedPhish {
  /** Stable ids, so the sandbox's message trace can answer for them. */
  internetMessageId: string;
  networkMessageId: string;
  from: string;
  fromName: string;
  to: string[];
  subject: string;
  /** The phish's own MIME body part(s), after its headers. */
  body: { contentType: string; content: string };
  /** One more part of the phish (an attachment), optional. */
  attachment?: { filename: string; contentType: string; base64: string };
  /** What the reporter wrote. */
  note: string;
  reporter: { name: string; address: string };
  relayIp: string;
  auth: string;
}

const wrap76 = (s: string) => s.replace(/.{1,76}/g, (l) => `${l}\r\n`).trimEnd();

/** A tiny, inert "invoice" (plain text in a .html name, as droppers dress up). */
const invoiceHtml = Buffer.from('<html><body><p>Invoice INV-20931 is ready. Sign in at hxxps://portal.invoices-secure.test/login to view.</p></body></html>').toString('base64');

export const SEED_PHISH: SeedPhish[] = [
  {
    internetMessageId: '<0a1f3c22-mailbox-full@mail.mailbox-alerts.test>',
    networkMessageId: '6b1d2f3e-4a5b-4c6d-8e9f-0a1b2c3d4e51',
    from: 'it-helpdesk@mailbox-alerts.test',
    fromName: 'IT Helpdesk',
    to: [`dana.lee@${SANDBOX_DOMAIN}`, `eli.moss@${SANDBOX_DOMAIN}`, `fay.ng@${SANDBOX_DOMAIN}`],
    subject: 'Action required: your mailbox is 98% full',
    body: {
      contentType: 'text/html; charset=utf-8',
      // The link text shows the company's own domain, the href goes elsewhere: the mismatched link.
      content:
        '<p>Dear user,</p><p>Your mailbox has reached 98% of its quota. Incoming mail will be rejected in 24 hours.</p>' +
        `<p><a href="https://login.mailbox-alerts.test/owa/reset?u=dana.lee">https://outlook.${SANDBOX_DOMAIN}/owa/storage</a></p>` +
        '<p>IT Service Desk</p>',
    },
    note: 'The link says outlook but goes somewhere else. Phish?',
    reporter: { name: 'Dana Lee', address: `dana.lee@${SANDBOX_DOMAIN}` },
    relayIp: '203.0.113.45',
    auth: 'spf=fail smtp.mailfrom=mailbox-alerts.test; dkim=none; dmarc=fail header.from=mailbox-alerts.test',
  },
  {
    internetMessageId: '<inv-20931.7781@billing.invoices-secure.test>',
    networkMessageId: '6b1d2f3e-4a5b-4c6d-8e9f-0a1b2c3d4e52',
    from: 'accounts@invoices-secure.test',
    fromName: 'Accounts Receivable',
    to: [`gil.ortiz@${SANDBOX_DOMAIN}`, `finance@${SANDBOX_DOMAIN}`],
    subject: 'Overdue invoice INV-20931 - final notice',
    body: { contentType: 'text/plain; charset=utf-8', content: 'Hello,\r\n\r\nPlease find the overdue invoice attached. Payment is due today to avoid a late fee.\r\n\r\nRegards,\r\nAccounts Receivable' },
    attachment: { filename: 'INV-20931.html', contentType: 'text/html', base64: invoiceHtml },
    note: 'We never bought anything from these people.',
    reporter: { name: 'Gil Ortiz', address: `gil.ortiz@${SANDBOX_DOMAIN}` },
    relayIp: '198.51.100.23',
    auth: 'spf=softfail smtp.mailfrom=invoices-secure.test; dkim=fail header.d=invoices-secure.test; dmarc=fail header.from=invoices-secure.test',
  },
  {
    internetMessageId: '<payroll-update-55@hr-portal.example.net>',
    networkMessageId: '6b1d2f3e-4a5b-4c6d-8e9f-0a1b2c3d4e53',
    from: 'payroll@hr-portal.example.net',
    fromName: 'Payroll Team',
    to: [`hana.kim@${SANDBOX_DOMAIN}`],
    subject: 'Update your direct deposit details before Friday',
    body: {
      contentType: 'text/plain; charset=utf-8',
      content: 'Hi,\r\n\r\nWe are moving to a new payroll provider. Confirm your bank details at https://hr-portal.example.net/payroll/confirm before Friday or your salary may be delayed.\r\n\r\nPayroll Team',
    },
    note: 'HR never emails about this.',
    reporter: { name: 'Hana Kim', address: `hana.kim@${SANDBOX_DOMAIN}` },
    relayIp: '192.0.2.77',
    auth: 'spf=pass smtp.mailfrom=hr-portal.example.net; dkim=pass header.d=hr-portal.example.net; dmarc=none header.from=hr-portal.example.net',
  },
  {
    internetMessageId: '<newsletter-2026-11@news.example.org>',
    networkMessageId: '6b1d2f3e-4a5b-4c6d-8e9f-0a1b2c3d4e54',
    from: 'newsletter@news.example.org',
    fromName: 'Example Weekly',
    to: [`ivan.roe@${SANDBOX_DOMAIN}`],
    subject: 'Your weekly digest: 5 stories picked for you',
    body: { contentType: 'text/plain; charset=utf-8', content: 'This week: cloud costs, a new browser release, and more.\r\nRead online: https://news.example.org/weekly/2026-47\r\nUnsubscribe: https://news.example.org/unsubscribe' },
    note: 'Not sure I signed up for this.',
    reporter: { name: 'Ivan Roe', address: `ivan.roe@${SANDBOX_DOMAIN}` },
    relayIp: '198.51.100.8',
    auth: 'spf=pass smtp.mailfrom=news.example.org; dkim=pass header.d=news.example.org; dmarc=pass header.from=news.example.org',
  },
];

/** The phish itself, as the recipient got it. */
export function phishMime(p: SeedPhish, date: Date): string {
  const headers = [
    `Received: from mta.${p.from.split('@')[1]} (mta.${p.from.split('@')[1]} [${p.relayIp}]) by mx.${SANDBOX_DOMAIN} with ESMTPS; ${date.toUTCString()}`,
    `Authentication-Results: mx.${SANDBOX_DOMAIN}; ${p.auth}`,
    `From: "${p.fromName}" <${p.from}>`,
    `To: ${p.to.join(', ')}`,
    `Subject: ${p.subject}`,
    `Date: ${date.toUTCString()}`,
    `Message-ID: ${p.internetMessageId}`,
    `X-MS-Exchange-Organization-Network-Message-Id: ${p.networkMessageId}`,
    'MIME-Version: 1.0',
  ];
  if (!p.attachment) return [...headers, `Content-Type: ${p.body.contentType}`, '', p.body.content, ''].join('\r\n');
  const b = 'phish-part-boundary';
  return [
    ...headers,
    `Content-Type: multipart/mixed; boundary="${b}"`,
    '',
    `--${b}`,
    `Content-Type: ${p.body.contentType}`,
    '',
    p.body.content,
    `--${b}`,
    `Content-Type: ${p.attachment.contentType}; name="${p.attachment.filename}"`,
    `Content-Disposition: attachment; filename="${p.attachment.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    wrap76(p.attachment.base64),
    `--${b}--`,
    '',
  ].join('\r\n');
}

/** The report the user sent with the report button: their note, the phish attached. */
export function reportMime(p: SeedPhish, date: Date, n: number): string {
  const b = `report-boundary-${n}`;
  return [
    `From: "${p.reporter.name}" <${p.reporter.address}>`,
    `To: ${SANDBOX_MAILBOX}`,
    `Subject: Phishing report: ${p.subject}`,
    `Date: ${new Date(date.getTime() + 5 * 60_000).toUTCString()}`,
    `Message-ID: <sandbox-report-${n}@${SANDBOX_DOMAIN}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${b}"`,
    '',
    `--${b}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    p.note,
    `--${b}`,
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment; filename="phish.eml"',
    '',
    phishMime(p, date),
    `--${b}--`,
    '',
  ].join('\r\n');
}
