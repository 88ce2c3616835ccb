// Graph change notifications end to end over real HTTP: the subscription job creates a subscription
// at the Graph simulator (which runs the validation handshake against our route), the simulator
// notifies new mail, the route checks every clientState and runs the folder's delta (collapsed),
// lifecycle events are handled, and subscriptions are renewed or recreated. SQLite and PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../../helpers/databases.ts';
import { HookServer } from '../../../src/server/http-server.ts';
import { Metrics } from '../../../src/server/metrics.ts';
import { GraphMailboxSource } from '../../../src/ingest/sources/graph-source.ts';
import { RoundTrigger } from '../../../src/ingest/sources/round-trigger.ts';
import { METRIC, clientStateMatches, graphNotificationsRoute } from '../../../src/ingest/graph-notifications.ts';
import { GraphSubscriptionManager, NOTIFICATION_PATH, type SubscriptionManagerOptions } from '../../../src/jobs/graph-subscription.ts';
import { clientStateDigest, insertSubscription, listSubscriptions, replaceSubscription, subscriptionById } from '../../../src/store/graph-subscriptions.ts';
import { MAILBOX, graphWorld, mail, type GraphWorld } from './helpers.ts';

const targets = await dbTargets();

describe('clientStateMatches', () => {
  const digest = clientStateDigest('the-real-secret');
  it('accepts only the exact secret', () => {
    expect(clientStateMatches('the-real-secret', digest)).toBe(true);
    expect(clientStateMatches('the-real-secreT', digest)).toBe(false);
    expect(clientStateMatches('', digest)).toBe(false);
    expect(clientStateMatches(undefined, digest)).toBe(false);
    expect(clientStateMatches(null, clientStateDigest(''))).toBe(false);
    expect(clientStateMatches('x', 'not-hex')).toBe(false);
  });
});

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`Graph change notifications on ${t.name}`, () => {
    let w: GraphWorld;
    let drop: () => Promise<void>;
    let server: HookServer;
    let metrics: Metrics;
    let url: string;
    let source: GraphMailboxSource;
    let trigger: RoundTrigger;
    let manager: GraphSubscriptionManager;
    let handled: Promise<void>[];

    const makeManager = (o: Partial<SubscriptionManagerOptions> = {}) =>
      new GraphSubscriptionManager({ graph: w.graph, store: w.store, log: w.logs.log, metrics, publicUrl: url, sources: [source], requestRound: () => trigger.request(), ...o });
    const count = (kind: string, result: string) => metrics.get(METRIC, { kind, result });
    const post = (body: unknown) => fetch(`${url}${NOTIFICATION_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const subscribed = async () => {
      expect(Object.values(await manager.ensureAll())).toEqual(['created']);
      await trigger.settled();
      const sub = w.sim.subscriptions.list()[0]!;
      return { sub, row: (await subscriptionById(w.store, sub.id))! };
    };

    beforeEach(async () => {
      const db = await t.create();
      drop = db.drop;
      w = await graphWorld(db.url);
      metrics = new Metrics();
      server = new HookServer({ log: w.logs.log, metrics, ready: async () => undefined });
      const addr = await server.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${addr.port}`;
      source = new GraphMailboxSource(w.graph, w.deps, { mailbox: MAILBOX, folder: 'Inbox' });
      trigger = new RoundTrigger(source.name, () => source.poll(), w.logs.log);
      manager = makeManager();
      handled = [];
      server.route(
        'POST',
        NOTIFICATION_PATH,
        graphNotificationsRoute({
          store: w.store,
          log: w.logs.log,
          metrics,
          lookup: (id) => manager.lookup(id),
          onChange: () => trigger.request(),
          onLifecycle: (event, id, src) => void handled.push(manager.handleLifecycle(event, id, src)),
        }),
      );
    });
    afterEach(async () => {
      await trigger.settled();
      await w.sim.subscriptions.flush();
      await server.close();
      await w.close();
      await drop();
    });

    it('echoes the validation token, URL-decoded, as text/plain', async () => {
      const token = 'Validation: Testing client application reachability for subscription Request-Id: 1f2e&x=y+z';
      const res = await fetch(`${url}${NOTIFICATION_PATH}?validationToken=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe(token);
    });

    it('subscribes (passing Graph validation), keeps only a digest of the clientState, and ingests notified mail', async () => {
      const { sub, row } = await subscribed();
      expect(w.sim.subscriptions.deliveries.filter((d) => d.kind === 'validation').map((d) => d.status)).toEqual([200, 200]);
      expect(sub.notificationUrl).toBe(`${url}/graph/notifications`);
      expect(sub.lifecycleNotificationUrl).toBe(sub.notificationUrl);
      expect(sub.changeType).toBe('created');
      // `Inbox` is a well-known name: the resource names it as such, and Graph resolves it.
      expect(sub.resource).toBe(`/users/${encodeURIComponent(MAILBOX)}/mailFolders/inbox/messages`);
      expect(sub.folderId).toBe(w.sim.mailbox.folderId('Inbox'));
      expect(sub.clientState).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(row.clientStateSha256).toBe(clientStateDigest(sub.clientState!));
      expect(JSON.stringify(await listSubscriptions(w.store))).not.toContain(sub.clientState);
      expect(Date.parse(sub.expirationDateTime) - Date.now()).toBeGreaterThan(4000 * 60_000);

      const id = w.sim.mailbox.add('Inbox', mail('notified'));
      await w.sim.subscriptions.flush();
      expect(w.sim.subscriptions.deliveries.at(-1)).toMatchObject({ kind: 'notification', status: 202 });
      await trigger.settled();
      expect(await w.store.getReportByDedupeKey(`graph:${id}`)).toBeDefined();
      expect(count('change', 'accepted')).toBe(1);

      expect(await manager.ensureAll()).toEqual({ [source.name]: 'kept' });
      expect(w.sim.subscriptions.list()).toHaveLength(1);
      expect(w.logs.text()).not.toContain(sub.clientState);
    });

    it('never acts on a wrong or missing clientState or an unknown subscription; logs and counts it; still answers 202', async () => {
      const { sub } = await subscribed();
      const rounds = trigger.roundsRun;
      const forged = await w.sim.subscriptions.notify(sub.id, ['AAMkForged1'], { clientState: 'forged-client-state-value' });
      const missing = await w.sim.subscriptions.notify(sub.id, ['AAMkForged2'], { clientState: null });
      expect([forged.status, missing.status]).toEqual([202, 202]);
      const unknown = await post({ value: [{ subscriptionId: 'not-ours', clientState: sub.clientState, changeType: 'created', resourceData: { id: 'AAMkX' } }] });
      expect(unknown.status).toBe(202);
      await trigger.settled();
      expect(trigger.roundsRun).toBe(rounds);
      expect(count('change', 'bad_client_state')).toBe(2);
      expect(count('change', 'unknown_subscription')).toBe(1);
      expect(w.logs.text()).toMatch(/wrong clientState; ignored/);
      expect(w.logs.text()).not.toContain('forged-client-state-value');
      expect(w.logs.text()).not.toContain(sub.clientState);

      // A mixed batch: the genuine item runs the delta, the forged one is dropped.
      const genuine = w.sim.mailbox.add('Archive', mail('x')); // not in the folder: no auto-notification
      const res = await post({
        value: [
          { subscriptionId: sub.id, clientState: 'nope', changeType: 'created', resourceData: { id: genuine } },
          { subscriptionId: sub.id, clientState: sub.clientState, changeType: 'created', resourceData: { id: 'AAMkReal' } },
          { no: 'subscription id' },
        ],
      });
      expect(res.status).toBe(202);
      await trigger.settled();
      expect(trigger.roundsRun).toBe(rounds + 1);
      expect(count('change', 'bad_client_state')).toBe(3);
      expect(count('unknown', 'malformed')).toBe(1);

      expect((await post('not a batch')).status).toBe(400);
      expect((await fetch(`${url}${NOTIFICATION_PATH}`, { method: 'POST', body: '{oops' })).status).toBe(400);
    });

    it('collapses a burst of notifications into one more round, and drops re-deliveries', async () => {
      const { sub } = await subscribed();
      const rounds = trigger.roundsRun;
      // Hold the first delta request so every notification arrives while that round runs.
      const gate = w.sim.hold({ method: 'GET', pathIncludes: '/messages/delta' });
      const ids = Array.from({ length: 10 }, (_, i) => w.sim.mailbox.add('Inbox', mail(`burst-${i}`)));
      await w.sim.subscriptions.flush();
      await gate.reached;
      gate.release();
      await trigger.settled();
      expect(trigger.roundsRun - rounds).toBe(2);
      for (const id of ids) expect(await w.store.getReportByDedupeKey(`graph:${id}`)).toBeDefined();
      expect(count('change', 'accepted')).toBe(10);

      await w.sim.subscriptions.notify(sub.id, [ids[0]!]);
      await trigger.settled();
      expect(count('change', 'duplicate')).toBe(1);
      expect(trigger.roundsRun - rounds).toBe(2);
    });

    it('reauthorizationRequired reauthorizes; missed runs the delta; a forged lifecycle event does nothing', async () => {
      const { sub } = await subscribed();
      const forged = await w.sim.subscriptions.lifecycle(sub.id, 'subscriptionRemoved', { clientState: 'forged' });
      expect(forged.status).toBe(202);
      expect(handled).toHaveLength(0);
      expect(count('lifecycle', 'bad_client_state')).toBe(1);

      expect((await w.sim.subscriptions.lifecycle(sub.id, 'reauthorizationRequired')).status).toBe(202);
      await Promise.all(handled);
      expect(w.sim.subscriptions.get(sub.id)?.reauthorizations).toBe(1);
      await trigger.settled();

      const rounds = trigger.roundsRun;
      expect((await w.sim.subscriptions.lifecycle(sub.id, 'missed')).status).toBe(202);
      await Promise.all(handled);
      await trigger.settled();
      expect(trigger.roundsRun).toBe(rounds + 1);
      expect(count('lifecycle', 'accepted')).toBe(2);
    });

    it('subscriptionRemoved: forgets the old subscription, creates a new one with a new clientState, and resyncs', async () => {
      const { sub } = await subscribed();
      const delivery = await w.sim.subscriptions.remove(sub.id);
      expect(delivery?.status).toBe(202);
      await Promise.all(handled);
      await trigger.settled();
      const now = w.sim.subscriptions.list();
      expect(now).toHaveLength(1);
      expect(now[0]!.id).not.toBe(sub.id);
      expect(now[0]!.clientState).not.toBe(sub.clientState);
      expect(await manager.lookup(sub.id)).toBeUndefined();
      expect((await manager.lookup(now[0]!.id))?.source).toBe(source.name);
      const id = w.sim.mailbox.add('Inbox', mail('after-recreate'));
      await w.sim.subscriptions.flush();
      await trigger.settled();
      expect(await w.store.getReportByDedupeKey(`graph:${id}`)).toBeDefined();
    });

    it('renews before expiry with PATCH, and recreates a subscription Graph no longer knows', async () => {
      const { sub, row } = await subscribed();
      const eager = makeManager({ renewWithinMinutes: 5000 });
      expect(await eager.ensure(source)).toBe('renewed');
      expect(w.sim.requests.filter((r) => r.method === 'PATCH' && r.path === `/v1.0/subscriptions/${sub.id}`).map((r) => r.status)).toEqual([200]);
      const renewed = (await subscriptionById(w.store, sub.id))!;
      expect(renewed.expiresAt).toBe(w.sim.subscriptions.get(sub.id)!.expirationDateTime);
      expect(Date.parse(renewed.updatedAt)).toBeGreaterThanOrEqual(Date.parse(row.updatedAt));

      await w.sim.subscriptions.remove(sub.id, { notify: false });
      expect(await eager.ensure(source)).toBe('created');
      expect(w.sim.subscriptions.list()).toHaveLength(1);
      expect(await subscriptionById(w.store, sub.id)).toBeUndefined();
    });

    it('replaces the subscription when HOOKLINE_PUBLIC_URL changes', async () => {
      const { sub } = await subscribed();
      const moved = makeManager({ publicUrl: url.replace('127.0.0.1', 'localhost') });
      expect(await moved.ensure(source)).toBe('created');
      const subs = w.sim.subscriptions.list();
      expect(subs).toHaveLength(1);
      expect(subs[0]!.id).not.toBe(sub.id);
      expect(subs[0]!.notificationUrl).toContain('localhost');
    });

    it('fails clearly when Graph cannot validate the public URL, and records nothing', async () => {
      const dead = makeManager({ publicUrl: 'http://127.0.0.1:9' });
      await expect(dead.ensureAll()).rejects.toThrow(/validation request failed/);
      expect(w.logs.text()).toMatch(/HOOKLINE_PUBLIC_URL/);
      expect(await listSubscriptions(w.store)).toEqual([]);
      expect(w.sim.subscriptions.list()).toEqual([]);
    });

    it('asks for no more than Graph allows: a lifetime over 4230 minutes is refused by the simulator', async () => {
      await expect(makeManager({ lifetimeMinutes: 5000 }).ensureAll()).rejects.toThrow(/4230 minutes/);
    });

    it('two replicas subscribing at once end with one subscription', async () => {
      const other = makeManager();
      const results = await Promise.all([manager.ensureAll(), other.ensureAll()]);
      expect(results.map((r) => r[source.name]).sort()).toEqual(['busy', 'created']);
      expect(w.sim.subscriptions.list()).toHaveLength(1);
      expect(await listSubscriptions(w.store)).toHaveLength(1);
    });

    it('the store lets one writer win a subscription row', async () => {
      const rec = { source: 's', subscriptionId: 'a', resource: 'r', notificationUrl: 'u', clientStateSha256: clientStateDigest('x'), expiresAt: new Date().toISOString() };
      expect(await insertSubscription(w.store, rec)).toBe(true);
      expect(await insertSubscription(w.store, { ...rec, subscriptionId: 'b' })).toBe(false);
      expect(await replaceSubscription(w.store, 'a', { ...rec, subscriptionId: 'c' })).toBe(true);
      expect(await replaceSubscription(w.store, 'a', { ...rec, subscriptionId: 'd' })).toBe(false);
      expect((await listSubscriptions(w.store)).map((r) => r.subscriptionId)).toEqual(['c']);
    });
  });
}
