// describeError: a vendor reads its own error format (EWS SOAP faults) and decides the retry.
import { describe, it, expect, afterEach } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../../../src/vendors/http/client.ts';
import { silentLogger } from '../../../src/log/logger.ts';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(answers: { status: number; body: string }[]): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = http.createServer((_req, res) => {
    const a = answers[Math.min(hits, answers.length - 1)]!;
    hits++;
    res.writeHead(a.status, { 'content-type': 'text/xml' });
    res.end(a.body);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, hits: () => hits };
}

const describeError = ({ text }: { text: string }) => {
  const code = /<code>(\w+)<\/code>/.exec(text)?.[1];
  if (!code) return undefined;
  const wait = /<wait>(\d+)<\/wait>/.exec(text)?.[1];
  return { code, message: `fault ${code}`, retryable: code === 'Busy', ...(wait ? { retryAfterMs: Number(wait) } : {}) };
};

describe('HttpClient describeError', () => {
  it('retries a POST the vendor says it did not process, after the wait it names', async () => {
    const padding = 'x'.repeat(2000); // the wait sits past any excerpt length
    const s = await serve([
      { status: 500, body: `<f>${padding}<code>Busy</code><wait>1234</wait></f>` },
      { status: 200, body: '<ok/>' },
    ]);
    const sleeps: number[] = [];
    const client = new HttpClient({ vendor: 'v', baseUrl: s.url, log: silentLogger(), describeError, sleep: async (ms) => void sleeps.push(ms) });
    const res = await client.request({ method: 'POST', path: '/soap', body: '<x/>', headers: { 'content-type': 'text/xml' }, responseType: 'text' });
    expect(res.status).toBe(200);
    expect(sleeps).toEqual([1234]);
    expect(s.hits()).toBe(2);
  });

  it('does not retry a GET the vendor says is permanent, and uses its code and message', async () => {
    const s = await serve([{ status: 500, body: '<f><code>NoMailbox</code></f>' }]);
    const client = new HttpClient({ vendor: 'v', baseUrl: s.url, log: silentLogger(), describeError, sleep: async () => {} });
    const err = (await client.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e)) as { code: string; message: string; attempts: number };
    expect(err.code).toBe('NoMailbox');
    expect(err.message).toContain('fault NoMailbox');
    expect(err.attempts).toBe(1);
    expect(s.hits()).toBe(1);
  });
});
