// policy limits.httpTimeoutSeconds (the seeds' "timeout") reaches every vendor client built by
// main.ts: a vendor that never answers fails after the policy's time, with words saying so.
import { describe, it, expect, afterAll } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { freshSqliteUrl } from '../helpers/databases.ts';

describe('policy limits.httpTimeoutSeconds', async () => {
  const hanging = http.createServer(() => undefined); // accepts, never answers
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-timeout-'));
  writeFileSync(path.join(dir, 'policy.yaml'), 'limits:\n  httpTimeoutSeconds: 1\n');
  const hook = await startHookline({
    cwd: dir,
    log: silentLogger(),
    listen: { port: 0, host: '127.0.0.1' },
    schedule: false,
    vendorHttp: { sleep: async () => {} },
    env: {
      HOOKLINE_DATABASE_URL: freshSqliteUrl(),
      HOOKLINE_CONFIG: path.join(dir, 'policy.yaml'),
      COFENSE_BASE_URL: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
      COFENSE_CLIENT_ID: 'hookline',
      COFENSE_CLIENT_SECRET: 'cofense-secret-value',
    },
  });
  afterAll(async () => {
    await hook.stop();
    hanging.closeAllConnections();
    await new Promise((r) => hanging.close(r));
  });

  it('a hanging vendor fails after the policy timeout, not the HTTP layer default', async () => {
    const def = hook.catalog.get('cofense.test-connectivity')!;
    const err = (await def
      .run({ actor: { platform: 'cli', id: 'test' }, vendors: hook.vendors, store: hook.store, log: silentLogger(), dryRun: false }, {})
      .catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain('timed out after 1000 ms');
  });
});
