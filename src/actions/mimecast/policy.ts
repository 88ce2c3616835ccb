// Sender blocking actions: seed 001 Create Policy and Get Policy (blocked-sender policies) and
// Permit Or Block Sender (managed senders, per recipient).
import { z } from 'zod';
import { requests } from '../../vendors/mimecast/requests.ts';
import type { MimecastPolicy } from '../../vendors/mimecast/types.ts';
import type { ActionResult, TableData } from '../types.ts';
import { dryRun, emailParam, limitParam, mimecastAction, mimecastClient, moreSuffix, plural, table } from './common.ts';

export const POLICY_ADDRESS_TYPES = [
  'everyone',
  'internal_addresses',
  'external_addresses',
  'email_domain',
  'profile_group',
  'individual_email_address',
  'address_attribute_value',
  'free_mail_domains',
  'header_display_name',
] as const;

/** Types that name something (an address, a domain, a group id, ...) and so need a value. */
const NEEDS_VALUE = new Set(['email_domain', 'profile_group', 'individual_email_address', 'address_attribute_value', 'header_display_name']);

const createPolicyParams = z
  .object({
    option: z.enum(['block_sender', 'no_action']).describe('The policy action: block_sender (reject the mail) or no_action'),
    description: z.string().trim().min(1).max(200).describe('The description (name) of the new policy'),
    from_type: z.enum(POLICY_ADDRESS_TYPES).describe('Which senders it applies to: individual_email_address, email_domain, profile_group, external_addresses, ...'),
    from_value: z.string().trim().min(1).optional().describe('The sender address, domain, group id, display name or attribute matching from_type'),
    to_type: z.enum(POLICY_ADDRESS_TYPES).default('everyone').describe('Which recipients it applies to (default everyone)'),
    to_value: z.string().trim().min(1).optional().describe('The recipient address, domain, group id, display name or attribute matching to_type'),
    from_part: z.enum(['both', 'envelope_from', 'header_from']).default('both').describe('Which sender address to match: both (default), envelope_from or header_from'),
    comment: z.string().trim().max(500).optional().describe('A note stored with the policy (e.g. the case number)'),
  })
  .superRefine((p, ctx) => {
    if (NEEDS_VALUE.has(p.from_type) && !p.from_value) ctx.addIssue({ code: 'custom', path: ['from_value'], message: `from_value is required when from_type is ${p.from_type}` });
    if (NEEDS_VALUE.has(p.to_type) && !p.to_value) ctx.addIssue({ code: 'custom', path: ['to_value'], message: `to_value is required when to_type is ${p.to_type}` });
    if (p.from_type === 'individual_email_address' && p.from_value && !z.email().safeParse(p.from_value).success) {
      ctx.addIssue({ code: 'custom', path: ['from_value'], message: 'from_value must be an e-mail address when from_type is individual_email_address' });
    }
  });

export const createPolicy = mimecastAction({
  name: 'create-policy',
  title: 'Create blocked sender policy',
  summary: 'Create a blocked-sender policy (org-wide sender/recipient restriction)',
  params: createPolicyParams,
  risk: 'change',
  role: 'responder',
  async run(ctx, p): Promise<ActionResult> {
    const client = mimecastClient(ctx);
    const input = {
      option: p.option,
      description: p.description,
      fromPart: p.from_part,
      fromType: p.from_type,
      ...(p.from_value ? { fromValue: p.from_value } : {}),
      toType: p.to_type,
      ...(p.to_value ? { toValue: p.to_value } : {}),
      ...(p.comment ? { comment: p.comment } : {}),
    };
    const target = `${p.from_type}${p.from_value ? ` ${p.from_value}` : ''}`;
    const dry = dryRun(ctx, client, requests.createBlockedSenderPolicy(input), `create a ${p.option} policy for ${target}`);
    if (dry) return dry;
    const policy = await client.createBlockedSenderPolicy(input);
    return { summary: `Created ${policy.option ?? p.option} policy "${policy.policy?.description ?? p.description}" for ${target} (policy ${policy.id})`, kind: 'record', data: policy };
  },
});

function policyRow(p: MimecastPolicy): Record<string, unknown> {
  const pol = p.policy ?? {};
  return {
    id: p.id,
    option: p.option,
    description: pol.description,
    fromType: pol.fromType ?? (pol.from as { type?: string } | undefined)?.type,
    fromValue: pol.fromValue ?? valueOf(pol.from),
    toType: pol.toType ?? (pol.to as { type?: string } | undefined)?.type,
    toValue: pol.toValue ?? valueOf(pol.to),
    enabled: pol.enabled,
    fromDate: pol.fromDate,
    toDate: pol.toDate,
  };
}

function valueOf(side: unknown): string | undefined {
  if (typeof side !== 'object' || side === null) return undefined;
  const s = side as Record<string, unknown>;
  for (const k of ['emailAddress', 'emailDomain', 'groupId', 'headerDisplayName', 'attribute']) if (typeof s[k] === 'string') return s[k] as string;
  return undefined;
}

export const getPolicy = mimecastAction({
  name: 'get-policy',
  title: 'Get blocked sender policy',
  summary: 'Show one blocked-sender policy, or list them all',
  params: z.object({
    policy_id: z.string().trim().min(1).optional().describe('The ID of the blocked sender policy; omit to list every blocked sender policy'),
    limit: limitParam(100, 1000, 'policies'),
  }),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const res = await mimecastClient(ctx).getBlockedSenderPolicies(p.policy_id, p.policy_id ? 1 : p.limit);
    const cols: [string, string][] = [
      ['id', 'Policy id'],
      ['option', 'Option'],
      ['description', 'Description'],
      ['fromType', 'From type'],
      ['fromValue', 'From'],
      ['toType', 'To type'],
      ['toValue', 'To'],
      ['enabled', 'Enabled'],
      ['fromDate', 'Valid from'],
      ['toDate', 'Valid to'],
    ];
    const first = res.items[0];
    const summary = p.policy_id
      ? first
        ? `Policy ${first.id}: ${first.option ?? '?'} "${first.policy?.description ?? ''}"`
        : `No policy ${p.policy_id}`
      : res.items.length === 0
        ? 'No blocked sender policies'
        : `${plural(res.items.length, 'blocked sender policy', 'blocked sender policies')}${moreSuffix(res.items.length, res.truncated, res.total)}`;
    return { summary, kind: 'table', data: table(cols, res.items.map(policyRow), res.total !== undefined && !p.policy_id ? { total: res.total } : {}), ...(res.requestIds.length ? { vendorRequestIds: res.requestIds } : {}) };
  },
});

export const permitOrBlockSender = mimecastAction({
  name: 'permit-or-block-sender',
  title: 'Permit or block sender',
  summary: 'Permit (bypass spam checks) or block (reject) a sender for one internal recipient',
  params: z.object({
    sender: emailParam.describe('The external sender address to permit or block'),
    to: emailParam.describe('The internal recipient the entry applies to (must be an address of your organisation)'),
    action: z.enum(['permit', 'block']).describe('permit: bypass spam checks for this sender; block: reject mail from this sender'),
  }),
  risk: 'change',
  role: 'responder',
  async run(ctx, p): Promise<ActionResult> {
    const client = mimecastClient(ctx);
    const dry = dryRun(ctx, client, requests.permitOrBlockSender(p), `${p.action} ${p.sender} for ${p.to}`);
    if (dry) return dry;
    const res = await client.permitOrBlockSender(p);
    return { summary: `${p.action === 'permit' ? 'Permitted' : 'Blocked'} ${res.sender ?? p.sender} for ${res.to ?? p.to} (${res.id ?? 'no id'})`, kind: 'record', data: res };
  },
});

export const policyActions = [createPolicy, getPolicy, permitOrBlockSender];
