import { describe, it, expect } from 'vitest';
import { redact, redactText, isSecretName, REDACTED } from '../../src/log/redact.ts';
import { createLogger } from '../../src/log/logger.ts';
import { Writable } from 'node:stream';

describe('redaction', () => {
  it('recognises secret-named fields, including key variants', () => {
    for (const n of ['authorization', 'Authorization', 'client_secret', 'secretKey', 'MIMECAST_SECRET_KEY', 'privateKey', 'accessToken', 'x-slack-signature', 'password', 'clientState']) {
      expect(isSecretName(n), n).toBe(true);
    }
    for (const n of ['subject', 'statusCode', 'keyboard', 'from', 'reportId']) expect(isSecretName(n), n).toBe(false);
  });

  it('replaces secret fields deeply and leaves the rest', () => {
    const out = redact({ headers: { authorization: 'Bearer abc', accept: 'json' }, list: [{ password: 'p' }], n: 1 });
    expect(out).toEqual({ headers: { authorization: REDACTED, accept: 'json' }, list: [{ password: REDACTED }], n: 1 });
  });

  it('removes tokens and credentials from free text but keeps prose', () => {
    const t = redactText('call failed: Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.x.y xoxb-123-456-abc https://u:p4ss@db.example/x?token=s3cr3t&a=1');
    expect(t).not.toMatch(/eyJ0eXAi|xoxb-123|p4ss|s3cr3t/);
    expect(t).toContain('a=1');
    expect(redactText('open Basic Information in the app settings')).toBe('open Basic Information in the app settings');
  });

  it('never writes a secret field to the log stream', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    const log = createLogger({ level: 'info', destination: sink });
    log.info({ headers: { authorization: 'Bearer super-secret-token-value' }, clientSecret: 'another-secret-value', vendor: 'graph' }, 'request');
    await new Promise((r) => setTimeout(r, 20));
    const text = lines.join('');
    expect(text).toContain('"vendor":"graph"');
    expect(text).not.toContain('super-secret-token-value');
    expect(text).not.toContain('another-secret-value');
  });
});
