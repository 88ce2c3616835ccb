// The responders of a conversation as Teams user MRIs (29:…), for a card's `refresh.userIds`:
// Teams then shows those people their personal view of the card (with the buttons), while the
// shared card everyone sees carries only the state.
//
// The policy names people by Entra object id; the conversation roster maps those to MRIs. Rosters
// are cached per conversation (a change of membership shows within the TTL) because every posted
// and updated card needs them, and Teams throttles roster reads harder than sends. When the roster
// cannot be read, the answer is undefined and the shared card keeps its buttons (clicks are still
// authorised one by one), rather than showing nobody any button.
import type { Logger } from '../../src/log/logger.ts';
import type { Actor } from '../../src/store/types.ts';
import type { ConversationTarget, RosterMember } from './connector.ts';
import { channelOf } from './conversations.ts';

export interface TeamsRespondersOptions {
  members: (target: ConversationTarget) => Promise<RosterMember[]>;
  /** Whether this person may decide reports (adapters/teams/actors.ts canDecide). */
  canDecide: (actor: Actor) => boolean;
  /** Called with the roster's Entra ids before canDecide (group membership lookups). */
  prepare?: (aadObjectIds: string[]) => Promise<void>;
  log: Logger;
  ttlMs?: number;
  now?: () => number;
}

export class TeamsResponders {
  readonly #o: TeamsRespondersOptions;
  readonly #cache = new Map<string, { at: number; members: RosterMember[] }>();

  constructor(opts: TeamsRespondersOptions) {
    this.#o = opts;
  }

  /** MRIs of the members who may decide (in roster order), or undefined when the roster is unreadable. */
  async mrisFor(target: ConversationTarget): Promise<string[] | undefined> {
    const members = await this.#roster(target);
    if (!members) return undefined;
    await this.#o.prepare?.(members.flatMap((m) => (m.aadObjectId ? [m.aadObjectId] : [])));
    return members
      .filter((m) => m.aadObjectId && this.#o.canDecide({ platform: 'teams', id: m.aadObjectId.toLowerCase(), ...(m.name ? { name: m.name } : {}) }))
      .map((m) => m.id);
  }

  async #roster(target: ConversationTarget): Promise<RosterMember[] | undefined> {
    const key = channelOf(target.conversationId);
    const now = (this.#o.now ?? Date.now)();
    const hit = this.#cache.get(key);
    if (hit && now - hit.at < (this.#o.ttlMs ?? 10 * 60_000)) return hit.members;
    try {
      const members = await this.#o.members({ conversationId: key, serviceUrl: target.serviceUrl });
      this.#cache.set(key, { at: now, members });
      return members;
    } catch (err) {
      this.#o.log.warn({ conversationId: key, err: (err as Error).message }, 'cannot read the Teams conversation roster: the card shows its buttons to everyone');
      return hit?.members;
    }
  }
}
