// Deny by default: an action runs only when the policy gives the actor the role the catalog says
// the action needs. Handlers call this before anything else; the message says how to fix it.
import { rolesOf, type Policy } from '../config/policy.ts';
import type { ActionDef, Role } from '../actions/types.ts';
import type { Actor } from '../store/types.ts';

export type Authorization = { ok: true; roles: Set<Role> } | { ok: false; reason: string };

export function authorize(policy: Policy, policySource: string, actor: Actor, action: Pick<ActionDef, 'id' | 'role' | 'risk'>): Authorization {
  const roles = rolesOf(policy, actor);
  if (roles.has(action.role)) return { ok: true, roles };
  const where =
    actor.platform === 'slack'
      ? `roles.${action.role}.slack.users (your Slack user id is ${actor.id}) or one of your Slack user groups in roles.${action.role}.slack.groups`
      : actor.platform === 'teams'
        ? `roles.${action.role}.teams.users (your Entra object id is ${actor.id}) or roles.${action.role}.teams.groups`
        : `roles.${action.role}`;
  return {
    ok: false,
    reason:
      `You are not allowed to run ${action.id}: it needs the ${action.role} role and the policy (${policySource}) does not give it to you. ` +
      `An admin can add you to ${where} in the policy file named by HOOKLINE_CONFIG.`,
  };
}
