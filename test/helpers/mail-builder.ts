// Builds realistic test mail: a user's report (the outer mail) with the phish attached as
// message/rfc822, as Outlook's "Report phishing" and most report buttons send it. Fake domains only.
import { randomUUID } from 'node:crypto';

export interface PhishSpec {
  subject?: string;
  from?: string;
  to?: string[];
  cc?: string[];
  internetMessageId?: string;
  networkMessageId?: string;
  body?: string;
  html?: string;
}

export function phishMime(p: PhishSpec = {}): string {
  const imid = p.internetMessageId ?? `<${randomUUID()}@mail.evil.example>`;
  const headers = [
    'Received: from mail.evil.example (mail.evil.example [203.0.113.7]) by mx.contoso.test with ESMTPS; Mon, 2 Nov 2026 09:00:00 +0000',
    `From: "IT Helpdesk" <${p.from ?? 'helpdesk@evil.example'}>`,
    `To: ${(p.to ?? ['alice@contoso.test']).join(', ')}`,
    ...(p.cc?.length ? [`Cc: ${p.cc.join(', ')}`] : []),
    `Subject: ${p.subject ?? 'Your mailbox is full'}`,
    'Date: Mon, 2 Nov 2026 09:00:00 +0000',
    `Message-ID: ${imid}`,
    `X-MS-Exchange-Organization-Network-Message-Id: ${p.networkMessageId ?? randomUUID()}`,
    'Authentication-Results: spf=fail smtp.mailfrom=evil.example; dkim=none; dmarc=fail header.from=evil.example',
    'MIME-Version: 1.0',
  ];
  if (p.html) {
    return [...headers, 'Content-Type: text/html; charset=utf-8', '', p.html, ''].join('\r\n');
  }
  return [...headers, 'Content-Type: text/plain; charset=utf-8', '', p.body ?? 'Your mailbox is full. Click https://login.evil.example/reset to keep your mail.', ''].join('\r\n');
}

/** The report a user sends to the reporting mailbox, with the phish attached. */
export function reportMime(phish: string, reporter = 'carol@contoso.test'): string {
  const boundary = `b-${randomUUID()}`;
  return [
    `From: Carol <${reporter}>`,
    'To: phish-reports@contoso.test',
    'Subject: Phishing report',
    'Date: Mon, 2 Nov 2026 09:05:00 +0000',
    `Message-ID: <${randomUUID()}@contoso.test>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'This looks like phishing.',
    `--${boundary}`,
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment; filename="phish.eml"',
    '',
    phish,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
