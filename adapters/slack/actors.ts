// Turns a Slack user into an Actor, with the user groups the policy names, so roles can be given
// to a Slack user group. Group membership is cached briefly: a removal takes effect within the TTL.
import type { App } from '@slack/bolt';

type WebClient = App['client'];
import type { Actor } from '../../src/store/types.ts';
import type { Logger } from '../../src/log/logger.ts';

export class SlackActors {
  private cache = new Map<string, { members: Set<string>; at: number }>();
  private readonly client: WebClient;
  private readonly groupIds: string[];
  private readonly log: Logger;
  private readonly ttlMs: number;

  constructor(client: WebClient, groupIds: string[], log: Logger, ttlMs = 5 * 60_000) {
    this.client = client;
    this.groupIds = groupIds;
    this.log = log;
    this.ttlMs = ttlMs;
  }

  async actor(user: { id: string; name?: string; username?: string }): Promise<Actor> {
    const groups: string[] = [];
    for (const g of this.groupIds) if ((await this.members(g)).has(user.id)) groups.push(g);
    const name = user.name ?? user.username;
    return { platform: 'slack', id: user.id, ...(name ? { name } : {}), ...(groups.length ? { groups } : {}) };
  }

  private async members(group: string): Promise<Set<string>> {
    const hit = this.cache.get(group);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.members;
    try {
      const res = await this.client.usergroups.users.list({ usergroup: group });
      const members = new Set(res.users ?? []);
      this.cache.set(group, { members, at: Date.now() });
      return members;
    } catch (err) {
      // Deny by default: an unreadable group grants nothing (and says why in the log).
      this.log.warn({ group, err: (err as Error).message }, 'cannot read Slack user group members (scope usergroups:read?)');
      return hit?.members ?? new Set();
    }
  }
}
