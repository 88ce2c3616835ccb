// The sandbox's guarantees: it never starts when real configuration is present, it only ever
// points vendor clients at loopback, its policy gives roles to the two console users only, and
// its seed mail uses reserved names and documentation addresses only.
import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { assertLoopback, bootSandbox, sandboxPolicy, SandboxRefused, SANDBOX_USERS } from '../../src/sandbox/boot.ts';
import { SEED_PHISH, phishMime, reportMime } from '../../src/sandbox/seed-reports.ts';
import { rolesOf, validatePolicy } from '../../src/config/policy.ts';
import { freshSqliteUrl } from '../helpers/databases.ts';

describe('sandbox boot', () => {
  it('refuses to start the simulators when the configuration is not the sandbox', async () => {
    await expect(bootSandbox({ sandbox: false }, silentLogger())).rejects.toBeInstanceOf(SandboxRefused);
  });

  it('starts no simulator and no console when a vendor is configured', async () => {
    const hook = await startHookline({
      cwd: mkdtempSync(path.join(os.tmpdir(), 'hookline-real-')),
      log: silentLogger(),
      listen: { port: 0, host: '127.0.0.1' },
      schedule: false,
      sandbox: true,
      // A real-looking Cofense configuration; nothing is called at start-up.
      env: { HOOKLINE_DATABASE_URL: freshSqliteUrl(), COFENSE_BASE_URL: 'https://vision.example.com', COFENSE_CLIENT_ID: 'hookline', COFENSE_CLIENT_SECRET: 'a-real-looking-client-secret-0123' },
    });
    try {
      expect(hook.loaded.config.sandbox).toBe(false);
      expect(hook.sandbox).toBeUndefined();
      expect(hook.console).toBeUndefined();
      expect(hook.vendors.graph).toBeUndefined();
      expect(hook.vendors.mimecast).toBeUndefined();
      expect(hook.publisher.platforms()).not.toContain('console');
      expect((await fetch(`${hook.url}/`)).status).toBe(404);
      expect((await fetch(`${hook.url}/console/api/messages`)).status).toBe(404);
    } finally {
      await hook.stop();
    }
  });

  it('accepts only loopback addresses for what the sandbox calls', () => {
    for (const ok of ['http://127.0.0.1:4000', 'http://localhost:1', 'http://[::1]:80']) expect(() => assertLoopback(ok, 'x')).not.toThrow();
    for (const bad of ['https://graph.microsoft.com', 'https://api.services.mimecast.com', 'http://10.0.0.5:80', 'http://127.0.0.1.example.com']) expect(() => assertLoopback(bad, 'x')).toThrow(SandboxRefused);
  });

  it('gives the two console users their roles, four-eyes on destructive actions, and nobody else anything', () => {
    const policy = sandboxPolicy();
    const roles = (id: string, platform: 'console' | 'slack' = 'console') => [...rolesOf(policy, { platform, id })];
    expect(SANDBOX_USERS.map((u) => u.name)).toEqual(['Sam Responder', 'Alex Approver']);
    expect(roles('sam')).toContain('responder');
    expect(roles('sam')).not.toContain('admin');
    expect(roles('alex')).toContain('admin');
    expect(roles('mallory')).toEqual([]);
    expect(roles('sam', 'slack')).toEqual([]);
    expect(policy.fourEyes.risks).toEqual(['destructive']);
  });

  it('validates roles.<role>.console.users in a policy file and names the bad entry', () => {
    expect(validatePolicy({ roles: { responder: { console: { users: ['sam'] } } } }, 'p.yaml').policy?.roles.responder.console?.users).toEqual(['sam']);
    const bad = validatePolicy({ roles: { responder: { console: { users: ['Not An Id'] } } } }, 'p.yaml');
    expect(bad.policy).toBeUndefined();
    expect(bad.problems.map((p) => p.key).join(' ')).toContain('roles.responder.console.users');
  });

  it('seeds realistic reports with reserved domains and documentation IPs only', () => {
    expect(SEED_PHISH.length).toBeGreaterThanOrEqual(4);
    expect(SEED_PHISH.some((p) => p.attachment)).toBe(true);
    expect(SEED_PHISH.some((p) => /<a href="([^"]+)">https?:\/\/(?!\1)/.test(p.body.content))).toBe(true);
    const all = SEED_PHISH.map((p, i) => reportMime(p, new Date('2026-11-22T08:00:00Z'), i) + phishMime(p, new Date('2026-11-22T08:00:00Z'))).join('\n');
    const hosts = [...all.matchAll(/(?:@|\/\/|mta\.|mx\.)([a-z0-9.-]+\.[a-z]+)/gi)].map((m) => m[1]!.toLowerCase());
    expect(hosts.length).toBeGreaterThan(10);
    for (const h of hosts) expect(h).toMatch(/(\.test|(^|\.)example\.(com|net|org))$/);
    const ips = [...all.matchAll(/\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\b/g)].map((m) => m[1]!);
    expect(ips.length).toBeGreaterThan(0);
    for (const ip of ips) expect(ip).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\./);
  });
});
