// The sandbox console in a real browser: Debian's Chromium, headless, driven by playwright-core
// (`npx playwright install` cannot download here; .ci/run installs the chromium package). Starts
// the whole bot in sandbox mode, loads the console, finds an alert card drawn both as Slack and as
// Teams (the official adaptivecards renderer), clicks Quarantine as Sam (with the justification the
// four-eyes rule asks for), approves as Alex, and checks that the card resolves and the Graph
// simulator recorded the remediation. Saves a screenshot under test-output/.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startHookline, type Hookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { freshSqliteUrl } from '../helpers/databases.ts';
import { SANDBOX_BANNER } from '../../src/sandbox/boot.ts';
import { SEED_PHISH } from '../../src/sandbox/seed-reports.ts';

const CHROMIUM = '/usr/bin/chromium';
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUTPUT = path.join(projectRoot, 'test-output');
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is absent (Debian package chromium; .ci/run installs it)`;
if (missing) console.warn(`[skip] console browser test skipped: ${missing}`);

describe.skipIf(Boolean(missing))('sandbox console in Chromium', () => {
  let hook: Hookline;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    hook = await startHookline({
      cwd: mkdtempSync(path.join(os.tmpdir(), 'hookline-console-')),
      log: silentLogger(),
      listen: { port: 0, host: '127.0.0.1' },
      schedule: false,
      sandbox: true,
      env: { HOOKLINE_DATABASE_URL: freshSqliteUrl() },
    });
    await hook.sources.graph!.poll();
    await hook.publisher.postNew();
    // A fresh profile each run (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), 'hookline-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1500, height: 1100 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hook?.stop();
  });

  it('shows an alert card, quarantines it with four eyes across the two users, and the card resolves', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${hook.url}/`);
    await expect(page.locator('#banner').textContent()).resolves.toBe(SANDBOX_BANNER);

    const subject = SEED_PHISH[0]!.subject;
    const card = page.locator('article.report', { hasText: subject }).first();
    await card.waitFor();
    // Both renderings: the Slack blocks and the Adaptive Card drawn by the official renderer.
    await expect(card.locator('.rendering.slack .bk-header').count()).resolves.toBeGreaterThan(0);
    await card.locator('.rendering.teams .ac-adaptiveCard').waitFor();

    // Sam (the default user) clicks Quarantine on the Teams rendering; four-eyes asks why.
    await page.locator('#user').selectOption('sam');
    await card.locator('.rendering.teams button', { hasText: 'Quarantine' }).first().click();
    await page.locator('#justify[open]').waitFor();
    await page.locator('#justification').fill('Credential phish sent to three people');
    await page.locator('#justify-send').click();

    // The card now waits for a second approver; Alex approves on the Slack rendering.
    const approve = card.locator('.rendering.slack button[data-action-id="decide:confirm"]');
    await approve.waitFor();
    await page.locator('#user').selectOption('alex');
    await approve.click();

    await card.locator('.rendering.slack', { hasText: 'Quarantined' }).waitFor();
    await expect(card.locator('button[data-action-id="decide:confirm"]').count()).resolves.toBe(0);
    await page.locator('#audit li', { hasText: 'Alex Approver' }).first().waitFor();

    const remediation = hook.sandbox!.graph.remediations.at(-1);
    expect(remediation?.action).toBe('softDelete');
    expect(remediation?.analyzedEmails.map((e) => e.networkMessageId)).toContain(SEED_PHISH[0]!.networkMessageId);
    expect(pageErrors).toEqual([]);

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'console-quarantined.png'), fullPage: true });
  }, 60_000);

  it('shows markup from a reported mail as text in both renderings, never as HTML', async () => {
    const subject = 'Hi <img src=x onerror="window.__hooklineXss=1"> <b>bold</b> **x**';
    const phish = ['From: a@evil-markup.test', 'To: kim@contoso.example.com', `Subject: ${subject}`, 'Message-ID: <markup-1@evil-markup.test>', '', 'body', ''].join('\r\n');
    const res = await fetch(`${hook.url}/console/api/upload?user=sam&name=markup.eml`, { method: 'POST', body: phish });
    expect(res.status).toBe(202);
    const card = page.locator('article.report', { hasText: 'onerror' }).first();
    await card.waitFor();
    await card.locator('.rendering.teams .ac-adaptiveCard').waitFor();
    // The page's global object, typed without the DOM lib (tsconfig has none).
    expect(await page.evaluate(() => (globalThis as { __hooklineXss?: number }).__hooklineXss)).toBeUndefined();
    expect(await card.locator('img').count()).toBe(0);
    expect(await card.locator('b').count()).toBe(0);
  }, 60_000);
});
