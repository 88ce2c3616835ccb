// The Teams installation registry on SQLite and PostgreSQL: conversations recorded from inbound
// activities, marked gone exactly once (so admins are told once), and the "set alerts here" flag.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Store } from '../../src/store/store.ts';
import { silentLogger } from '../../src/log/logger.ts';
import {
  alertInstallation,
  getInstallation,
  listInstallations,
  markGone,
  personalChatsOf,
  rememberConversation,
  setAlertConversation,
  type TeamsConversationRef,
} from '../../src/store/teams-installations.ts';
import { dbTargets } from '../helpers/databases.ts';

const targets = await dbTargets();

const channel: TeamsConversationRef = {
  conversationId: '19:general@thread.tacv2',
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  scope: 'channel',
  tenantId: 'tenant-1',
  botId: '28:bot',
  teamId: '19:team@thread.tacv2',
  name: 'SOC',
};
const personal: TeamsConversationRef = {
  conversationId: 'a:1personal',
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  scope: 'personal',
  userAadId: 'AAAAAAAA-0000-0000-0000-000000000001',
  userMri: '29:alice',
};

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`teams installations on ${t.name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      const db = await t.create();
      drop = db.drop;
      store = await Store.open(db.url, silentLogger());
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    it('records a conversation once and refreshes its serviceUrl when Teams moves it', async () => {
      const first = await rememberConversation(store, channel);
      expect(first.created).toBe(true);
      expect(first.installation).toMatchObject({ conversationId: channel.conversationId, scope: 'channel', status: 'active', alerts: false, teamId: channel.teamId });
      const same = await rememberConversation(store, channel);
      expect(same.created).toBe(false);
      expect(same.installation.updatedAt).toBe(first.installation.updatedAt);
      const moved = await rememberConversation(store, { ...channel, serviceUrl: 'https://smba.trafficmanager.net/amer/' });
      expect(moved.installation.serviceUrl).toBe('https://smba.trafficmanager.net/amer/');
      expect((await getInstallation(store, channel.conversationId))?.serviceUrl).toBe('https://smba.trafficmanager.net/amer/');
    });

    it('keeps personal chats with the user ids, lower-cased for policy lookups', async () => {
      await rememberConversation(store, personal);
      const chats = await personalChatsOf(store, ['aaaaaaaa-0000-0000-0000-000000000001', 'nobody']);
      expect(chats.map((c) => c.conversationId)).toEqual([personal.conversationId]);
      expect(chats[0]!.userAadId).toBe('aaaaaaaa-0000-0000-0000-000000000001');
      expect(await personalChatsOf(store, [])).toEqual([]);
    });

    it('marks a conversation gone exactly once, even when many callers race', async () => {
      const ref = { ...channel, conversationId: '19:race@thread.tacv2' };
      await rememberConversation(store, ref);
      const results = await Promise.all(Array.from({ length: 10 }, () => markGone(store, ref.conversationId, '403 BotNotInConversationRoster')));
      expect(results.filter(Boolean)).toHaveLength(1);
      const row = await getInstallation(store, ref.conversationId);
      expect(row).toMatchObject({ status: 'gone', goneReason: '403 BotNotInConversationRoster' });
      expect((await listInstallations(store, { status: 'gone' })).map((i) => i.conversationId)).toContain(ref.conversationId);
      expect((await listInstallations(store, { status: 'active' })).map((i) => i.conversationId)).not.toContain(ref.conversationId);
    });

    it('records a never-seen conversation as gone when its serviceUrl is known, and only once', async () => {
      expect(await markGone(store, '19:unknown@thread.tacv2', 'uninstalled')).toBeUndefined();
      const first = await markGone(store, '19:configured@thread.tacv2', 'BotNotInConversationRoster', { serviceUrl: 'https://smba.trafficmanager.net/teams/' });
      expect(first?.status).toBe('gone');
      expect(await markGone(store, '19:configured@thread.tacv2', 'BotNotInConversationRoster', { serviceUrl: 'https://smba.trafficmanager.net/teams/' })).toBeUndefined();
    });

    it('reactivates a gone conversation when the bot is added back', async () => {
      const ref = { ...channel, conversationId: '19:back@thread.tacv2' };
      await rememberConversation(store, ref);
      await markGone(store, ref.conversationId, 'uninstalled');
      const back = await rememberConversation(store, ref);
      expect(back.reactivated).toBe(true);
      expect(back.installation.status).toBe('active');
      expect(back.installation.goneReason).toBeUndefined();
    });

    it('has one alert conversation at a time, and none while it is gone', async () => {
      const other = { ...channel, conversationId: '19:other@thread.tacv2' };
      await rememberConversation(store, other);
      expect(await alertInstallation(store)).toBeUndefined();
      expect((await setAlertConversation(store, channel.conversationId))?.alerts).toBe(true);
      expect((await alertInstallation(store))?.conversationId).toBe(channel.conversationId);
      await setAlertConversation(store, other.conversationId);
      expect((await alertInstallation(store))?.conversationId).toBe(other.conversationId);
      expect((await getInstallation(store, channel.conversationId))?.alerts).toBe(false);
      expect(await setAlertConversation(store, '19:never-seen@thread.tacv2')).toBeUndefined();

      await markGone(store, other.conversationId, 'uninstalled');
      expect(await alertInstallation(store)).toBeUndefined();
      // Added back: alerts resume where they were set.
      await rememberConversation(store, other);
      expect((await alertInstallation(store))?.conversationId).toBe(other.conversationId);
    });
  });
}
