// Turns the sender of a Teams activity into an Actor, and answers "may this person decide reports?"
// from the policy. The policy names Teams people by Entra object id (activity.from.aadObjectId),
// which Teams sends with every activity from a user; the MRI (29:…) is only an address.
//
// Entra group membership (roles.*.teams.groups) is added to the actor by entra-groups.ts (Microsoft
// Graph checkMemberGroups) before any check here.
import type { Actor } from '../../src/store/types.ts';
import { hasRole, type Policy } from '../../src/config/policy.ts';
import type { Catalog } from '../../src/actions/catalog.ts';
import { authorize } from '../../src/policy/authorize.ts';

export interface TeamsFrom {
  id?: string;
  name?: string;
  aadObjectId?: string;
}

export function teamsActor(from: TeamsFrom | undefined): Actor {
  const aad = from?.aadObjectId?.trim().toLowerCase();
  const id = aad || from?.id || 'unknown';
  const name = from?.name?.trim();
  return { platform: 'teams', id, ...(name ? { name } : {}) };
}

/** The report decisions a card offers. */
const DECISIONS = ['report.approve', 'report.quarantine', 'report.block'] as const;

/** Whether `actor` holds the role of at least one decision button (so the card shows them buttons). */
export function canDecide(actor: Actor, deps: { policy: Policy; policySource: string; catalog: Catalog<any> }): boolean {
  return DECISIONS.some((id) => {
    const def = deps.catalog.get(id);
    return def ? authorize(deps.policy, deps.policySource, actor, def).ok : false;
  });
}

/** Whether `actor` is an admin under the policy (may say "set alerts here"). */
export function isAdmin(actor: Actor, policy: Policy): boolean {
  return hasRole(policy, actor, 'admin');
}
