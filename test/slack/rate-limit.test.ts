// Outbound pacing: about one message per second per channel after a small burst, a 429's
// Retry-After pauses only its channel, and updates of one message coalesce (latest wins).
// Time is a ManualClock: every assertion counts messages at a given clock position.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webApi, type App } from '@slack/bolt';
import { SlackOutbox, retryAfterSeconds } from '../../adapters/slack/rate-limit.ts';
import { SlackChatPort } from '../../adapters/slack/slack-chat-port.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-api.ts';
import { waitFor } from '../helpers/wait.ts';
import { snapshot } from '../cards/factory.ts';
import { ManualClock, settle } from './manual-clock.ts';

const rateLimited = (seconds: number) => Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter: seconds });

function recorder() {
  const sent: string[] = [];
  return { sent, op: (label: string) => async () => void sent.push(label) };
}

describe('SlackOutbox', () => {
  it('sends a burst at once, then one message per second per channel, in order', async () => {
    const clock = new ManualClock();
    const box = new SlackOutbox({ clock, perSecond: 1, burst: 3 });
    const { sent, op } = recorder();
    const done = ['a1', 'a2', 'a3', 'a4', 'a5'].map((l) => box.send('CA', op(l)));
    await settle();
    expect(sent).toEqual(['a1', 'a2', 'a3']);
    expect(box.waiting('CA')).toBe(2);
    await clock.advance(999);
    expect(sent).toHaveLength(3);
    await clock.advance(1);
    expect(sent).toEqual(['a1', 'a2', 'a3', 'a4']);
    await clock.advance(1000);
    expect(sent).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    await Promise.all(done);
    await box.drained();
  });

  it('keeps channels independent: a busy channel does not hold another back', async () => {
    const clock = new ManualClock();
    const box = new SlackOutbox({ clock, burst: 1 });
    const { sent, op } = recorder();
    void box.send('CA', op('a1'));
    void box.send('CA', op('a2'));
    await settle();
    void box.send('CB', op('b1'));
    await settle();
    expect(sent).toEqual(['a1', 'b1']);
  });

  it("honours a 429's Retry-After for that channel only, then retries the same message first", async () => {
    const clock = new ManualClock();
    const box = new SlackOutbox({ clock, burst: 5 });
    const { sent, op } = recorder();
    let failures = 1;
    const first = box.send('CA', async () => {
      if (failures-- > 0) throw rateLimited(30);
      sent.push('a1');
      return 'a1-result';
    });
    void box.send('CA', op('a2'));
    await settle();
    expect(sent).toEqual([]);
    void box.send('CB', op('b1'));
    await settle();
    expect(sent).toEqual(['b1']);
    await clock.advance(29_999);
    expect(sent).toEqual(['b1']);
    await clock.advance(1);
    // After the pause the bucket refills at 1/s: a1 first, a2 a second later.
    await clock.advance(1000);
    expect(sent.slice(0, 2)).toEqual(['b1', 'a1']);
    await expect(first).resolves.toBe('a1-result');
    await clock.advance(1000);
    expect(sent).toEqual(['b1', 'a1', 'a2']);
  });

  it('gives up after the retry limit with the rate-limit error, and goes on with the next message', async () => {
    const clock = new ManualClock();
    const box = new SlackOutbox({ clock, maxRateLimitRetries: 2 });
    const { sent, op } = recorder();
    const always = box.send('CA', async () => {
      throw rateLimited(1);
    });
    const next = box.send('CA', op('a2'));
    const outcome = always.catch((e: unknown) => e);
    for (let i = 0; i < 5; i++) await clock.advance(1000);
    expect(retryAfterSeconds(await outcome)).toBe(1);
    await next;
    expect(sent).toEqual(['a2']);
  });

  it('fails only the message whose call failed for another reason', async () => {
    const box = new SlackOutbox({ clock: new ManualClock() });
    const { sent, op } = recorder();
    const bad = box.send('CA', async () => {
      throw new Error('channel_not_found');
    });
    await expect(bad).rejects.toThrow('channel_not_found');
    await box.send('CA', op('a2'));
    expect(sent).toEqual(['a2']);
  });

  it('coalesces waiting updates of one message: only the latest is sent, every caller settles', async () => {
    const clock = new ManualClock();
    const box = new SlackOutbox({ clock, burst: 1 });
    const { sent, op } = recorder();
    void box.send('CA', op('post'));
    await settle();
    const updates = [1, 2, 3, 4].map((n) => box.sendLatest('CA', 'CA:1.1', op(`update-${n}`)));
    const other = box.sendLatest('CA', 'CA:2.2', op('other-card'));
    await settle();
    expect(box.waiting('CA')).toBe(2);
    await clock.advance(1000);
    await clock.advance(1000);
    await Promise.all([...updates, other]);
    expect(sent).toEqual(['post', 'update-4', 'other-card']);
  });

  it('reads only Slack rate-limit errors as Retry-After', () => {
    expect(retryAfterSeconds(rateLimited(7))).toBe(7);
    expect(retryAfterSeconds(new Error('x'))).toBeUndefined();
    expect(retryAfterSeconds({ code: 'slack_webapi_platform_error', retryAfter: 3 })).toBeUndefined();
  });
});

describe('SlackChatPort over the fake Slack Web API', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack?.close();
  });

  it('a 429 with Retry-After on one channel pauses that channel while another gets its card at once', async () => {
    const clock = new ManualClock();
    const outbox = new SlackOutbox({ clock, log: silentLogger() });
    const client = new webApi.WebClient('xoxb-rl', { slackApiUrl: slack.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } }) as unknown as App['client'];
    const portA = new SlackChatPort(client, 'C0AAAAAAA', outbox);
    const portB = new SlackChatPort(client, 'C0BBBBBBB', outbox);
    slack.failWhen('chat.postMessage', (a) => a.channel === 'C0AAAAAAA', 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '30' });

    const a = portA.postReport(snapshot({ id: 'rep-a' }));
    await waitFor(() => slack.callsTo('chat.postMessage').some((c) => c.args.channel === 'C0AAAAAAA'), 'the throttled post');
    await waitFor(() => clock.sleepers > 0, 'channel A pausing');
    const b = await portB.postReport(snapshot({ id: 'rep-b' }));
    expect(b.channel).toBe('C0BBBBBBB');
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0AAAAAAA')).toHaveLength(1);

    await clock.advance(30_000);
    const refA = await a;
    expect(refA.channel).toBe('C0AAAAAAA');
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0AAAAAAA')).toHaveLength(2);
  });

  it('sends one chat.update for a burst of updates of one card (latest state wins)', async () => {
    const clock = new ManualClock();
    const outbox = new SlackOutbox({ clock, burst: 1 });
    const client = new webApi.WebClient('xoxb-rl', { slackApiUrl: slack.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } }) as unknown as App['client'];
    const port = new SlackChatPort(client, 'C0CCCCCCC', outbox);
    const ref = await port.postReport(snapshot({ id: 'rep-c' }));
    const before = slack.callsTo('chat.update').length;
    const subjects = Array.from({ length: 20 }, (_, i) => `state ${i}`);
    const all = Promise.all(subjects.map((subj) => port.updateReport(ref, snapshot({ id: 'rep-c', original: { ...snapshot().report.original, subject: subj } }))));
    await clock.advance(1000);
    await all;
    const sent = slack.callsTo('chat.update').slice(before);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.args.blocks)).toContain('state 19');
  });
});
