// Directory (profile group) actions: seed 001 Add/Remove Group Member, Create/Update Group, Get
// Groups, Get Group Members.
import { z } from 'zod';
import { requests } from '../../vendors/mimecast/requests.ts';
import { MAX_GROUP_MEMBERS_PAGE_SIZE } from '../../vendors/mimecast/client.ts';
import type { MimecastFailure, MimecastGroupMemberChange } from '../../vendors/mimecast/types.ts';
import type { ActionResult, TableData } from '../types.ts';
import { describeFailures, dryRun, emailParam, limitParam, mimecastAction, mimecastClient, moreSuffix, plural, requestIds, table } from './common.ts';

const groupId = z.string().trim().min(1).describe('The Mimecast ID of the group (from mimecast get-groups: data[].folders[].id)');
const memberColumns: [string, string][] = [
  ['emailAddress', 'Email address'],
  ['status', 'Result'],
  ['id', 'Member id'],
  ['folderId', 'Group id'],
  ['internal', 'Internal'],
];

const memberParams = z.object({
  email_address: z.array(emailParam).min(1).max(100, 'at most 100 addresses per call').describe('The e-mail addresses of the users (one or more, comma-separated)'),
  group_id: groupId,
});

function memberRows(emails: readonly string[], data: MimecastGroupMemberChange[], failures: MimecastFailure[], done: string): Record<string, unknown>[] {
  return emails.map((email) => {
    const ok = data.find((d) => d.emailAddress?.toLowerCase() === email.toLowerCase());
    if (ok) return { ...ok, emailAddress: email, status: done };
    const f = failures.find((x) => {
      const k = x.key as { emailAddress?: string } | undefined;
      return k?.emailAddress?.toLowerCase() === email.toLowerCase();
    });
    return { emailAddress: email, status: f ? `failed: ${f.message}` : 'failed' };
  });
}

function memberChange(name: 'add-group-member' | 'remove-group-member') {
  const adding = name === 'add-group-member';
  return mimecastAction({
    name,
    title: adding ? 'Add group member' : 'Remove group member',
    summary: adding ? 'Add user e-mail addresses to a Mimecast profile group' : 'Remove e-mail addresses from a Mimecast profile group',
    params: memberParams,
    risk: 'change',
    role: 'responder',
    async run(ctx, p): Promise<ActionResult> {
      const client = mimecastClient(ctx);
      const req = adding ? requests.addGroupMembers(p.group_id, p.email_address) : requests.removeGroupMembers(p.group_id, p.email_address);
      const dry = dryRun(ctx, client, req, `${adding ? 'add' : 'remove'} ${plural(p.email_address.length, 'member')} ${adding ? 'to' : 'from'} group ${p.group_id}`);
      if (dry) return dry;
      const res = adding ? await client.addGroupMembers(p.group_id, p.email_address) : await client.removeGroupMembers(p.group_id, p.email_address);
      const verb = adding ? 'added' : 'removed';
      const okCount = p.email_address.length - res.failures.length;
      const partial = res.failures.length > 0;
      const summary = partial
        ? `Partially successful: ${verb} ${okCount} of ${p.email_address.length} ${adding ? 'to' : 'from'} group ${p.group_id}; failed: ${describeFailures(res.failures)}`
        : `${verb[0]?.toUpperCase()}${verb.slice(1)} ${plural(okCount, 'member')} ${adding ? 'to' : 'from'} group ${p.group_id}`;
      return { summary, kind: 'table', data: table(memberColumns, memberRows(p.email_address, res.data, res.failures, verb)), ...(partial ? { partial: true } : {}), ...optIds(res.requestId) };
    },
  });
}

function optIds(id: string | undefined): { vendorRequestIds?: string[] } {
  const ids = requestIds(id);
  return ids ? { vendorRequestIds: ids } : {};
}

const groupColumns: [string, string][] = [
  ['id', 'Group id'],
  ['description', 'Name'],
  ['source', 'Source'],
  ['parentId', 'Parent id'],
  ['userCount', 'Users'],
  ['folderCount', 'Subgroups'],
];

export const addGroupMember = memberChange('add-group-member');
export const removeGroupMember = memberChange('remove-group-member');

export const createGroup = mimecastAction({
  name: 'create-group',
  title: 'Create group',
  summary: 'Create a Mimecast profile group at the root level or as a child group',
  params: z.object({
    group_name: z.string().trim().min(1).max(200).describe('The name of the new group'),
    parent_id: z.string().trim().min(1).optional().describe("The Mimecast ID of the new group's parent group; omit to create it at the root level"),
  }),
  risk: 'change',
  role: 'admin',
  async run(ctx, p): Promise<ActionResult> {
    const client = mimecastClient(ctx);
    const dry = dryRun(ctx, client, requests.createGroup(p.group_name, p.parent_id), `create group "${p.group_name}"`);
    if (dry) return dry;
    const g = await client.createGroup(p.group_name, p.parent_id);
    return { summary: `Created group "${g.description ?? p.group_name}" (${g.id})`, kind: 'record', data: g };
  },
});

export const updateGroup = mimecastAction({
  name: 'update-group',
  title: 'Update group',
  summary: 'Rename a Mimecast profile group or move it under another parent',
  params: z.object({
    group_id: groupId,
    group_name: z.string().trim().min(1).max(200).describe('The new name of the group'),
    parent_id: z.string().trim().min(1).optional().describe("The ID of the group's new parent group (from mimecast get-groups)"),
  }),
  risk: 'change',
  role: 'admin',
  async run(ctx, p): Promise<ActionResult> {
    const client = mimecastClient(ctx);
    const dry = dryRun(ctx, client, requests.updateGroup(p.group_id, p.group_name, p.parent_id), `update group ${p.group_id}`);
    if (dry) return dry;
    const g = await client.updateGroup(p.group_id, p.group_name, p.parent_id);
    return { summary: `Updated group ${g.id}: "${g.description ?? p.group_name}"`, kind: 'record', data: g };
  },
});

export const getGroups = mimecastAction({
  name: 'get-groups',
  title: 'Get groups',
  summary: 'List Mimecast profile groups, optionally filtered by name or source',
  params: z.object({
    query: z.string().trim().min(1).optional().describe('Text the group name must contain'),
    source: z.enum(['cloud', 'ldap']).optional().describe('Only groups from this source: cloud or ldap'),
    limit: limitParam(100, 1000, 'groups'),
  }),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const res = await mimecastClient(ctx).findGroups({ ...(p.query ? { query: p.query } : {}), ...(p.source ? { source: p.source } : {}) }, p.limit);
    const summary = res.items.length === 0 ? 'No groups found' : `${plural(res.items.length, 'group')}${moreSuffix(res.items.length, res.truncated, res.total)}`;
    return { summary, kind: 'table', data: table(groupColumns, res.items, res.total !== undefined ? { total: res.total } : {}), ...(res.requestIds.length ? { vendorRequestIds: res.requestIds } : {}) };
  },
});

export const getGroupMembers = mimecastAction({
  name: 'get-group-members',
  title: 'Get group members',
  summary: 'List the members of a Mimecast profile group, one page at a time',
  params: z.object({
    group_id: groupId,
    page_size: z.coerce.number().int().min(1).max(MAX_GROUP_MEMBERS_PAGE_SIZE).default(10).describe(`How many members per page (default 10, at most ${MAX_GROUP_MEMBERS_PAGE_SIZE})`),
    page_token: z.string().trim().min(1).optional().describe('The page token from a previous answer (its next page token), to continue from there'),
  }),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const res = await mimecastClient(ctx).getGroupMembers(p.group_id, { pageSize: p.page_size, ...(p.page_token ? { pageToken: p.page_token } : {}) });
    const cols: [string, string][] = [
      ['emailAddress', 'Email address'],
      ['name', 'Name'],
      ['domain', 'Domain'],
      ['internal', 'Internal'],
      ['type', 'Type'],
    ];
    const more = res.next ? ' (more: pass page_token from this answer)' : '';
    const of = res.total !== undefined ? ` of ${res.total}` : '';
    return {
      summary: res.items.length === 0 ? `Group ${p.group_id} has no members${p.page_token ? ' on this page' : ''}` : `${plural(res.items.length, 'member')}${of} in group ${p.group_id}${more}`,
      kind: 'table',
      data: table(cols, res.items, { ...(res.total !== undefined ? { total: res.total } : {}), ...(res.next ? { nextPageToken: res.next } : {}) }),
      ...optIds(res.requestId),
    };
  },
});

export const groupActions = [addGroupMember, removeGroupMember, createGroup, updateGroup, getGroups, getGroupMembers];
