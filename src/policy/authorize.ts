// Deny by default: an action runs only when the policy gives the actor the role the catalog says
// the action needs. This is the one gate: the decision service, the card buttons and the command
// runner (handlers/commands/run.ts) all call authorize() before anything else, and the message
// says how to fix a denial (which key of which policy file, with the person's own id in it).
import { rolesOf, type Policy } from '../config/policy.ts';
import type { ActionDef, Role } from '../actions/types.ts';
import type { Actor } from '../store/types.ts';

export type Authorization = { ok: true; roles: Set<Role> } | { ok: false; reason: string };

/** loadConfig's label for "no policy file" (src/config/load.ts DEFAULT_POLICY_SOURCE). */
const NO_POLICY_FILE = /^built-in default/;

/** Where this actor would be named to get `role`, in words an admin can act on. */
export function whereToGrant(actor: Actor, role: Role): string {
  if (actor.platform === 'slack') return `roles.${role}.slack.users (your Slack member id is ${actor.id}) or one of your Slack user groups in roles.${role}.slack.groups`;
  if (actor.platform === 'teams') return `roles.${role}.teams.users (your Entra object id is ${actor.id}) or one of your Entra groups in roles.${role}.teams.groups`;
  return `roles.${role} (only Slack and Teams people can hold roles)`;
}

/** How to give a role: edit the named file, or, with no file at all, create one. */
export function howToGrant(policySource: string, actor: Actor, role: Role): string {
  const where = whereToGrant(actor, role);
  if (NO_POLICY_FILE.test(policySource)) {
    return (
      'Hookline has no policy file, so it denies everything. An admin can copy policy.example.yaml to policy.yaml, ' +
      `add you to ${where}, set HOOKLINE_CONFIG=policy.yaml and restart Hookline (docs/configuration.md).`
    );
  }
  return `An admin can add you to ${where} in the policy file ${policySource} (named by HOOKLINE_CONFIG) and restart Hookline.`;
}

export function authorize(policy: Policy, policySource: string, actor: Actor, action: Pick<ActionDef, 'id' | 'role' | 'risk'>): Authorization {
  const roles = rolesOf(policy, actor);
  if (roles.has(action.role)) return { ok: true, roles };
  return {
    ok: false,
    reason: `You are not allowed to run ${action.id}: it needs the ${action.role} role and the policy (${policySource}) does not give it to you. ${howToGrant(policySource, actor, action.role)}`,
  };
}
