// o365.list-addresses (expand a distribution list) and o365.lookup-email (resolve a name or
// address), seed 000.
//
// EWS: ExpandDL (nested lists expanded by us, each once: a list inside itself is reported as a
// cycle, never expanded again) and ResolveNames.
// Graph: groups by address or name, then /members or /transitiveMembers (Graph expands nesting
// itself, cycle-safe); users by address (mail, UPN, smtp aliases) or by name ($search).
// Dynamic distribution groups cannot be read through Graph: a group Graph does not find is
// answered with that fact and the documented alternative.
import { z } from 'zod';
import type { ActionResult, TableData } from '../types.ts';
import type { GraphClient } from '../../vendors/graph/client.ts';
import type { GraphGroup } from '../../vendors/graph/mail-types.ts';
import { backendParam, cell, ewsCall, impersonateParam, o365Action, pickBackend, plural, table } from './common.ts';

export const DYNAMIC_DL_HINT =
  'Dynamic distribution groups cannot be read through Microsoft Graph: expand one with the Exchange Online Admin API (DynamicDistributionGroupMember, preview) or Get-DynamicDistributionGroupMember in Exchange Online PowerShell';

const listParams = z.object({
  group: z.string().trim().min(1, 'group is required').describe('Distribution list to expand: its email (dl-eng@contoso.com) or name (dleng)'),
  recursive: z.boolean().default(false).describe('Expand all nested distribution lists too (default false); each list is expanded once, cycles are reported'),
  impersonate_email: impersonateParam(),
  backend: backendParam(),
});

const MEMBER_COLUMNS: [string, string][] = [
  ['name', 'Name'],
  ['email', 'Email'],
  ['type', 'Type'],
];

export const listAddresses = o365Action({
  name: 'list-addresses',
  title: 'List addresses',
  summary: 'Gets the email addresses that make up a distribution list (optionally every nested list)',
  params: listParams,
  risk: 'read',
  role: 'viewer',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const b = pickBackend(ctx, p.backend);
    if (b.kind === 'graph') return graphList(b.graph, p);
    const x = await b.ews.expandDl(p.group, { recursive: p.recursive }, ewsCall(ctx, { ...(p.impersonate_email ? { impersonate_email: p.impersonate_email } : {}) }));
    const notes: string[] = [];
    if (x.cycles.length) notes.push(`cycle: ${x.cycles.join(', ')} contain(s) a list above them; each was expanded once`);
    if (x.failed.length) notes.push(`not expanded: ${x.failed.map((f) => `${f.list} (${f.message})`).join('; ')}`);
    if (x.truncated) notes.push('stopped at a limit (depth, lists or members): the list may be longer');
    if (!x.complete) notes.push('Exchange did not return every member of a level');
    const rows = x.members.map((m) => ({ name: cell(m.name), email: cell(m.email), type: cell(m.mailboxType) }));
    return {
      summary: `Total entries: ${rows.length}${p.recursive ? ` (${plural(x.expanded.length, 'list')} expanded)` : ''}${notes.length ? `. ${notes.join('. ')}` : ''}`,
      kind: 'table',
      data: table(MEMBER_COLUMNS, rows),
      ...(x.failed.length || x.truncated || !x.complete ? { partial: true } : {}),
    };
  },
});

function pickGroup(groups: GraphGroup[], wanted: string): GraphGroup | undefined {
  const w = wanted.toLowerCase();
  const exact = groups.filter((g) => g.mail?.toLowerCase() === w || g.displayName?.toLowerCase() === w || g.mailNickname?.toLowerCase() === w);
  const pool = exact.length ? exact : groups;
  if (pool.length > 1) throw new Error(`${pool.length} groups match "${wanted}": ${pool.map((g) => g.mail ?? g.displayName ?? g.id).join(', ')}; give the group's email address`);
  return pool[0];
}

async function graphList(graph: GraphClient, p: z.output<typeof listParams>): Promise<ActionResult<TableData>> {
  const group = pickGroup(await graph.findGroups(p.group), p.group);
  if (!group) {
    return {
      summary: `Total entries: 0. No distribution list or group "${p.group}" in Microsoft Graph. ${DYNAMIC_DL_HINT}`,
      kind: 'table',
      data: table(MEMBER_COLUMNS, []),
    };
  }
  const { members, truncated } = await graph.groupMembers(group.id, { transitive: p.recursive });
  const rows = members.map((m) => ({ name: cell(m.displayName), email: cell(m.mail ?? m.userPrincipalName), type: cell(m.type) }));
  const notes: string[] = [];
  if (p.recursive) notes.push('nested groups expanded by Graph (transitive members; each group once)');
  if (truncated) notes.push('stopped at 10000 members');
  if (p.impersonate_email) notes.push('impersonate_email applies to EWS only');
  return {
    summary: `Total entries: ${rows.length} in ${group.displayName ?? group.mail ?? group.id}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    kind: 'table',
    data: table(MEMBER_COLUMNS, rows),
    ...(truncated ? { partial: true } : {}),
  };
}

const lookupParams = z.object({
  email: z.string().trim().min(1, 'email is required').describe('Name or address to resolve (an alias like jsmith, a display name, or an email address)'),
  impersonate_email: impersonateParam(),
  backend: backendParam(),
});

const LOOKUP_COLUMNS: [string, string][] = [
  ['name', 'Name'],
  ['email', 'Email'],
  ['type', 'Type'],
  ['aliases', 'Aliases'],
  ['title', 'Job title'],
  ['department', 'Department'],
  ['office', 'Office'],
];

export const lookupEmail = o365Action({
  name: 'lookup-email',
  title: 'Lookup email',
  summary: 'Resolves an alias, name or email address into mailboxes, groups and contacts',
  params: lookupParams,
  risk: 'read',
  role: 'viewer',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const b = pickBackend(ctx, p.backend);
    if (b.kind === 'graph') return graphLookup(b.graph, p.email);
    const found = await b.ews.resolveNames(p.email, { fullContactData: true }, ewsCall(ctx, { ...(p.impersonate_email ? { impersonate_email: p.impersonate_email } : {}) }));
    const rows = found.map((r) => ({
      name: cell(r.mailbox.name ?? r.contact?.displayName),
      email: cell(r.mailbox.email),
      type: cell(r.mailbox.mailboxType),
      aliases: cell(Object.values(r.contact?.emailAddresses ?? {}).join(', ') || null),
      title: cell(r.contact?.jobTitle),
      department: cell(r.contact?.department),
      office: cell(r.contact?.officeLocation),
    }));
    return { summary: `Total entries: ${rows.length}`, kind: 'table', data: table(LOOKUP_COLUMNS, rows) };
  },
});

async function graphLookup(graph: GraphClient, entry: string): Promise<ActionResult<TableData>> {
  const users = await graph.findUsers(entry);
  // A distribution list is resolved too (EWS ResolveNames returns PublicDL entries).
  const groups = await graph.findGroups(entry);
  const rows = [
    ...users.map((u) => ({
      name: cell(u.displayName),
      email: cell(u.mail ?? u.userPrincipalName),
      type: cell('Mailbox'),
      aliases: cell(
        u.proxyAddresses
          .filter((a) => /^smtp:/i.test(a))
          .map((a) => a.slice(5))
          .join(', ') || null,
      ),
      title: cell(u.jobTitle),
      department: cell(u.department),
      office: cell(u.officeLocation),
    })),
    ...groups.map((g) => ({ name: cell(g.displayName), email: cell(g.mail), type: cell(g.groupTypes.includes('Unified') ? 'Microsoft 365 group' : 'PublicDL'), aliases: null, title: null, department: null, office: null })),
  ];
  return { summary: `Total entries: ${rows.length}`, kind: 'table', data: table(LOOKUP_COLUMNS, rows) };
}
