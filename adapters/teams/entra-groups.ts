// Gives a Teams actor the Entra groups the policy names (roles.*.teams.groups), so a role can be
// given to a group. Membership comes from Microsoft Graph checkMemberGroups (transitive; needs
// GroupMember.Read.All on the M365 app) and is cached per user for a few minutes: a removal from
// a group takes effect within the TTL. Deny by default: when Graph cannot answer, the user has no
// groups (and the log says why), never a guessed one.
import type { Actor } from '../../src/store/types.ts';
import type { Logger } from '../../src/log/logger.ts';
import type { GraphClient } from '../../src/vendors/graph/client.ts';

export interface EntraGroupsOptions {
  graph: Pick<GraphClient, 'checkMemberGroups'> | undefined;
  /** The group ids the policy names (any role). */
  groupIds: string[];
  log: Logger;
  ttlMs?: number;
  now?: () => number;
}

export class EntraGroups {
  readonly #o: EntraGroupsOptions;
  readonly #ids: string[];
  readonly #cache = new Map<string, { at: number; groups: string[] }>();

  constructor(opts: EntraGroupsOptions) {
    this.#o = opts;
    this.#ids = [...new Set(opts.groupIds.map((g) => g.toLowerCase()))];
  }

  /** Whether there is anything to resolve (the policy names groups and Graph is configured). */
  get active(): boolean {
    return this.#ids.length > 0 && this.#o.graph !== undefined;
  }

  /** The actor with its policy-named groups (looked up, or from the cache). */
  async actor(a: Actor): Promise<Actor> {
    if (!this.active || a.platform !== 'teams') return a;
    const groups = await this.groupsOf(a.id);
    return groups.length ? { ...a, groups } : a;
  }

  /** The actor with the groups already known for it (no lookup): for synchronous checks. */
  cached(a: Actor): Actor {
    const hit = this.#cache.get(a.id.toLowerCase());
    return hit?.groups.length ? { ...a, groups: hit.groups } : a;
  }

  /** Looks up several users (a conversation roster) so that cached() knows them. */
  async prefetch(userIds: string[]): Promise<void> {
    if (!this.active) return;
    for (const id of userIds) await this.groupsOf(id);
  }

  async groupsOf(userId: string): Promise<string[]> {
    const key = userId.toLowerCase();
    const now = (this.#o.now ?? Date.now)();
    const hit = this.#cache.get(key);
    if (hit && now - hit.at < (this.#o.ttlMs ?? 5 * 60_000)) return hit.groups;
    if (!this.active) return [];
    try {
      const groups = await this.#o.graph!.checkMemberGroups(key, this.#ids);
      this.#cache.set(key, { at: now, groups });
      return groups;
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message }, 'cannot read Entra group membership (GroupMember.Read.All?): no group roles for this user');
      return hit?.groups ?? [];
    }
  }
}
