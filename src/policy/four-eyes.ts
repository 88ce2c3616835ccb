// The two-person rule and the preview rule, in one place:
// - a destructive decision never runs on the first click: the card first shows what it would do
//   (a dry-run preview) and runs on Confirm, so a single responder needs exactly one extra click;
// - a decision whose risk the policy lists in fourEyes.risks needs a justification from the
//   requester and the approval of a second, different person holding fourEyes.approverRole,
//   before fourEyes.expiryMinutes run out. The preview is then part of the pending request.
import { hasRole, needsSecondApprover, rolesOf, type Policy } from '../config/policy.ts';
import type { ActionDef, Role } from '../actions/types.ts';
import type { Actor } from '../store/types.ts';
import { sameActor } from '../actions/steps/record.ts';
import { howToGrant, type Authorization } from './authorize.ts';

export const JUSTIFICATION_MIN = 10;
export const JUSTIFICATION_MAX = 500;

export interface RequestMode {
  /** The decision waits on the card (preview) instead of running at once. */
  waits: boolean;
  /** A second, different person must approve (four-eyes). */
  needsSecond: boolean;
  /** The role whoever confirms or approves must hold. */
  approverRole: Role;
}

export function requestMode(policy: Policy, def: Pick<ActionDef, 'risk' | 'role'>): RequestMode {
  const needsSecond = needsSecondApprover(policy, def.risk);
  return { waits: needsSecond || def.risk === 'destructive', needsSecond, approverRole: needsSecond ? policy.fourEyes.approverRole : def.role };
}

/** When a request made at `from` expires. */
export function expiryOf(policy: Policy, from: Date): string {
  return new Date(from.getTime() + policy.fourEyes.expiryMinutes * 60_000).toISOString();
}

/** A clear problem with a justification, or undefined when it is acceptable. */
export function justificationProblem(text: string | undefined): string | undefined {
  const t = (text ?? '').trim();
  if (t.length < JUSTIFICATION_MIN) return `Give a justification of at least ${JUSTIFICATION_MIN} characters: the second approver and the audit log see it.`;
  if (t.length > JUSTIFICATION_MAX) return `Keep the justification under ${JUSTIFICATION_MAX} characters.`;
  return undefined;
}

/**
 * May `actor` approve (or confirm) a request made by `requester`? Four-eyes: never the requester,
 * and only with the approver role. A plain preview: anyone with the role, the requester included.
 */
export function authorizeApproval(
  policy: Policy,
  policySource: string,
  actor: Actor,
  request: { requester: Actor; needsSecond: boolean; approverRole: Role; actionId: string },
): Authorization {
  if (request.needsSecond && sameActor(actor, request.requester)) {
    return { ok: false, reason: `You requested this ${request.actionId}: under the four-eyes rule a second, different person with the ${request.approverRole} role must approve it.` };
  }
  if (!hasRole(policy, actor, request.approverRole)) {
    const what = request.needsSecond ? `approve ${request.actionId} requests` : `confirm ${request.actionId}`;
    return { ok: false, reason: `You are not allowed to ${what}: it needs the ${request.approverRole} role (policy ${policySource}). ${howToGrant(policySource, actor, request.approverRole)}` };
  }
  return { ok: true, roles: rolesOf(policy, actor) };
}
