// The Graph simulator's routes for the o365.* catalog actions (shared/reference/microsoft.md §2),
// on the simulator's own mailbox model (src/sandbox/graph-simulator.ts hands its internals in):
//
//   GET  users/{m}/messages, users/{m}/mailFolders/{f}/messages   $filter (receivedDateTime ge,
//        contains(subject,…), from/emailAddress/address eq, internetMessageId eq, joined by `and`),
//        $search (KQL subset: subject:/body:/from:/words, AND; word-start matching), $orderby
//        receivedDateTime desc, $top + @odata.nextLink. Like Graph: 400 InefficientFilter when
//        $orderby is used and receivedDateTime is not first in $filter; 400 when $search is mixed
//        with $filter or $orderby.
//   GET  users/{m}/mailFolders/{f}/childFolders      real child and item counts ($filter displayName eq)
//   GET  users/{m}/messages/{id}                     headers, text body, recipients, categories, attachments
//   POST users/{m}/messages/{id}/copy                201 with the copy (same mailbox only)
//   PATCH users/{m}/messages/{id}                    subject, categories (replaced)
//   POST users/{m}/mailFolders/{f}/messages          text/plain base64 MIME: a new item (cross-mailbox copy)
//   GET/POST/DELETE users/{m}/mailFolders/inbox/messageRules[/{id}]
//   GET  users?$filter=… / $search=…                 directory users (ConsistencyLevel: eventual required)
//   GET  groups?$filter=…, groups/{id}/members, groups/{id}/transitiveMembers (cycle-safe); dynamic
//        distribution groups exist in the directory but, as in Graph, are never returned
//   GET  admin/exchange/tracing/messageTraces/{id}/getDetailsByRecipient(recipientAddress='…')
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// Structural views of the simulator's internal model (graph-simulator.ts owns the real types).
export interface SimFolderModel {
  id: string;
  displayName: string;
  parentFolderId: string;
  wellKnownName?: string;
}

export interface SimMessageModel {
  id: string;
  mailbox: string;
  folderId: string;
  mime: Buffer;
  internetMessageId?: string;
  subject?: string;
  receivedDateTime: string;
  networkMessageId?: string;
  from?: string;
}

export interface SimMailboxModel {
  address: string;
  userId: string;
  folders: Map<string, SimFolderModel>;
  wellKnown: Map<string, string>;
  messages: Map<string, SimMessageModel>;
}

export interface SimTraceRowModel {
  id?: string;
  senderAddress?: string;
  recipientAddress: string;
  messageId: string;
  receivedDateTime?: string;
  subject?: string;
  status?: string;
}

export interface GraphSimInternals {
  origin(): string;
  now(): Date;
  mailboxes: Map<string, SimMailboxModel>;
  mailboxFor(address: string | undefined, create: boolean): SimMailboxModel | undefined;
  folderByIdOrName(mb: SimMailboxModel, idOrName: string): SimFolderModel | undefined;
  moveTo(mb: SimMailboxModel, msg: SimMessageModel, folderId: string): void;
  newId(prefix: string): string;
  recordChange(mb: SimMailboxModel, folderId: string, id: string): void;
  mailArrived(mb: SimMailboxModel, folderId: string, id: string): void;
  traceRows: SimTraceRowModel[];
}

export interface SimDirectoryUser {
  mail: string;
  displayName?: string;
  userPrincipalName?: string;
  /** `SMTP:primary@x`, `smtp:alias@x` */
  proxyAddresses?: string[];
  jobTitle?: string;
  department?: string;
  officeLocation?: string;
  companyName?: string;
  givenName?: string;
  surname?: string;
}

export interface SimDirectoryGroup {
  displayName: string;
  mail?: string;
  mailNickname?: string;
  /** [] for a distribution list or security group, ['Unified'] for a Microsoft 365 group. */
  groupTypes?: string[];
  mailEnabled?: boolean;
  securityEnabled?: boolean;
  /** Dynamic distribution groups are not directory groups in Graph: never returned. */
  dynamic?: boolean;
  /** Member mail addresses: users or other groups (cycles allowed). */
  members?: string[];
}

export interface SimTraceDetailRow {
  id?: string;
  messageId?: string;
  dateTime?: string;
  event?: string;
  action?: string;
  description?: string;
  data?: string;
}

export interface SimMailRulesRecord {
  id: string;
  mailbox: string;
  body: Record<string, unknown>;
}

/** What tests (and the sandbox) see of these routes. */
export interface SimMailApi {
  directory: {
    addUser(u: SimDirectoryUser): string;
    addGroup(g: SimDirectoryGroup): string;
  };
  /** Categories set on messages (PATCH), by message id. */
  categories(messageId: string): string[];
  /** Inbox rules per mailbox, as created. */
  rules(mailbox: string): SimMailRulesRecord[];
  /** Overrides the generated per-recipient trace events of one trace row. */
  setTraceDetails(traceId: string, recipient: string, rows: SimTraceDetailRow[]): void;
  /** Messages created from MIME (cross-mailbox copies), by new id. */
  createdFromMime: Map<string, { mailbox: string; folderId: string }>;
}

type Reply = (status: number, body?: unknown, extra?: Record<string, string>) => void;

interface DirUser extends SimDirectoryUser {
  id: string;
}
interface DirGroup extends SimDirectoryGroup {
  id: string;
}

export function createMailRoutes(sim: GraphSimInternals): { api: SimMailApi; handle(method: string, segs: string[], q: URLSearchParams, req: IncomingMessage, json: unknown, raw: Buffer, reply: Reply): boolean } {
  const categories = new Map<string, string[]>();
  const rules = new Map<string, SimMailRulesRecord[]>();
  const users = new Map<string, DirUser>();
  const groups = new Map<string, DirGroup>();
  const traceDetails = new Map<string, SimTraceDetailRow[]>();
  const searchPages = new Map<string, { items: Record<string, unknown>[]; offset: number; top: number }>();
  const createdFromMime = new Map<string, { mailbox: string; folderId: string }>();

  const err = (code: string, message: string) => ({ error: { code, message, innerError: { date: sim.now().toISOString(), 'request-id': randomUUID() } } });

  // ------------------------------------------------------------------ directory

  const api: SimMailApi = {
    directory: {
      addUser(u) {
        const mb = sim.mailboxFor(u.mail, true) as SimMailboxModel;
        const user: DirUser = { ...u, id: mb.userId, mail: u.mail.toLowerCase() };
        users.set(user.mail, user);
        return user.id;
      },
      addGroup(g) {
        const id = randomUUID();
        groups.set(id, { ...g, id, ...(g.mail ? { mail: g.mail.toLowerCase() } : {}) });
        return id;
      },
    },
    categories: (id) => categories.get(id) ?? [],
    rules: (mailbox) => rules.get(mailbox.toLowerCase()) ?? [],
    setTraceDetails(traceId, recipient, rows) {
      traceDetails.set(`${traceId}|${recipient.toLowerCase()}`, rows);
    },
    createdFromMime,
  };

  /** Every mailbox is a user; directory entries add names and aliases. */
  function allUsers(): DirUser[] {
    const out = new Map<string, DirUser>();
    for (const mb of sim.mailboxes.values()) out.set(mb.address, { id: mb.userId, mail: mb.address, userPrincipalName: mb.address });
    for (const u of users.values()) out.set(u.mail, { userPrincipalName: u.mail, ...u });
    return [...out.values()];
  }

  function userJson(u: DirUser): Record<string, unknown> {
    return {
      id: u.id,
      displayName: u.displayName ?? null,
      mail: u.mail,
      userPrincipalName: u.userPrincipalName ?? u.mail,
      proxyAddresses: u.proxyAddresses ?? [`SMTP:${u.mail}`],
      jobTitle: u.jobTitle ?? null,
      department: u.department ?? null,
      officeLocation: u.officeLocation ?? null,
      companyName: u.companyName ?? null,
      givenName: u.givenName ?? null,
      surname: u.surname ?? null,
    };
  }

  function groupJson(g: DirGroup): Record<string, unknown> {
    return {
      id: g.id,
      displayName: g.displayName,
      mail: g.mail ?? null,
      mailNickname: g.mailNickname ?? null,
      groupTypes: g.groupTypes ?? [],
      mailEnabled: g.mailEnabled ?? Boolean(g.mail),
      securityEnabled: g.securityEnabled ?? false,
    };
  }

  function memberJson(address: string): Record<string, unknown> | undefined {
    const a = address.toLowerCase();
    const g = [...groups.values()].find((x) => x.mail === a && !x.dynamic);
    if (g) return { '@odata.type': '#microsoft.graph.group', id: g.id, displayName: g.displayName, mail: g.mail ?? null, userPrincipalName: null };
    const u = allUsers().find((x) => x.mail === a);
    if (u) return { '@odata.type': '#microsoft.graph.user', id: u.id, displayName: u.displayName ?? null, mail: u.mail, userPrincipalName: u.userPrincipalName ?? u.mail };
    return { '@odata.type': '#microsoft.graph.orgContact', id: randomUUID(), displayName: address, mail: address, userPrincipalName: null };
  }

  /** `a eq 'x' or b eq 'y' or proxyAddresses/any(p:p eq 'smtp:x')`: the clauses as [property, value]. */
  function orClauses(filter: string): [string, string][] | undefined {
    const out: [string, string][] = [];
    for (const part of filter.split(/\s+or\s+/i)) {
      let m = /^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(part);
      if (m) {
        out.push([(m[1] as string).toLowerCase(), unq(m[2] as string)]);
        continue;
      }
      m = /^\s*proxyAddresses\/any\(\s*(\w+)\s*:\s*\1\s+eq\s+'((?:[^']|'')*)'\s*\)\s*$/i.exec(part);
      if (m) {
        out.push(['proxyaddresses', unq(m[2] as string)]);
        continue;
      }
      return undefined;
    }
    return out;
  }

  function usersRoute(q: URLSearchParams, req: IncomingMessage, reply: Reply): void {
    const filter = q.get('$filter');
    const search = q.get('$search');
    const advanced = (filter && /\/any\(/i.test(filter)) || search;
    if (advanced && String(req.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') {
      return reply(400, err('Request_UnsupportedQuery', 'Unsupported query: requires ConsistencyLevel: eventual and $count=true.'));
    }
    let list = allUsers();
    if (filter) {
      const clauses = orClauses(filter);
      if (!clauses) return reply(400, err('Request_UnsupportedQuery', `Unsupported filter: ${filter}`));
      list = list.filter((u) =>
        clauses.some(([k, v]) => {
          const lv = v.toLowerCase();
          if (k === 'mail') return u.mail === lv;
          if (k === 'userprincipalname') return (u.userPrincipalName ?? u.mail).toLowerCase() === lv;
          if (k === 'proxyaddresses') return (u.proxyAddresses ?? [`SMTP:${u.mail}`]).some((p) => p.toLowerCase() === lv);
          return false;
        }),
      );
    }
    if (search) {
      const terms = [...search.matchAll(/"(\w+):([^"]*)"/g)].map((m) => [(m[1] as string).toLowerCase(), (m[2] as string).toLowerCase().trim()] as const);
      if (terms.length === 0) return reply(400, err('Request_UnsupportedQuery', 'Invalid $search: expected "property:value"'));
      // Directory $search is tokenized: a term matches at the start of a word.
      list = list.filter((u) => terms.some(([k, v]) => wordStart((k === 'mail' ? u.mail : (u.displayName ?? '')).toLowerCase(), v)));
    }
    const top = Number(q.get('$top') ?? 100);
    return reply(200, { ...(q.get('$count') === 'true' ? { '@odata.count': list.length } : {}), value: list.slice(0, top).map(userJson) });
  }

  function groupsRoute(method: string, segs: string[], q: URLSearchParams, req: IncomingMessage, reply: Reply): void {
    if (method !== 'GET') return reply(405, err('Request_BadRequest', 'Groups are read-only here.'));
    if (segs.length === 1) {
      const filter = q.get('$filter') ?? '';
      if (/\/any\(/i.test(filter) && String(req.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') {
        return reply(400, err('Request_UnsupportedQuery', 'Unsupported query: requires ConsistencyLevel: eventual and $count=true.'));
      }
      const clauses = filter ? orClauses(filter) : [];
      if (!clauses) return reply(400, err('Request_UnsupportedQuery', `Unsupported filter: ${filter}`));
      const list = [...groups.values()].filter(
        (g) =>
          !g.dynamic &&
          (clauses.length === 0 ||
            clauses.some(([k, v]) => {
              const lv = v.toLowerCase();
              if (k === 'mail') return g.mail === lv;
              if (k === 'displayname') return g.displayName.toLowerCase() === lv;
              if (k === 'mailnickname') return (g.mailNickname ?? '').toLowerCase() === lv;
              if (k === 'proxyaddresses') return g.mail !== undefined && `smtp:${g.mail}` === lv;
              return false;
            })),
      );
      return reply(200, { value: list.map(groupJson) });
    }
    const g = groups.get(segs[1] ?? '');
    if (!g || g.dynamic) return reply(404, err('Request_ResourceNotFound', `Resource '${segs[1] ?? ''}' does not exist or one of its queried reference-property objects are not present.`));
    if (segs.length === 2) return reply(200, groupJson(g));
    if (segs.length === 3 && (segs[2] === 'members' || segs[2] === 'transitiveMembers')) {
      const out: Record<string, unknown>[] = [];
      if (segs[2] === 'members') {
        for (const m of g.members ?? []) {
          const j = memberJson(m);
          if (j) out.push(j);
        }
      } else {
        // Graph expands nested groups itself; a group reached again (a cycle) is listed once.
        const seen = new Set<string>([g.id]);
        const queue = [...(g.members ?? [])];
        const listed = new Set<string>();
        while (queue.length) {
          const addr = (queue.shift() as string).toLowerCase();
          if (listed.has(addr)) continue;
          listed.add(addr);
          const j = memberJson(addr);
          if (!j) continue;
          const nested = [...groups.values()].find((x) => x.mail === addr && !x.dynamic);
          if (nested && seen.has(nested.id)) continue;
          out.push(j);
          if (nested) {
            seen.add(nested.id);
            queue.push(...(nested.members ?? []));
          }
        }
      }
      const top = Math.max(1, Number(q.get('$top') ?? 100));
      return pageOf(out, top, reply);
    }
    return reply(400, err('BadRequest', `unsupported GET /groups/${segs.slice(1).join('/')}`));
  }

  // ------------------------------------------------------------------ messages

  function pageOf(items: Record<string, unknown>[], top: number, reply: Reply, offset = 0): void {
    const page = items.slice(offset, offset + top);
    const body: Record<string, unknown> = { value: page };
    if (offset + top < items.length) {
      const token = randomBytes(12).toString('base64url');
      searchPages.set(token, { items, offset: offset + top, top });
      body['@odata.nextLink'] = `${sim.origin()}/v1.0/$pages?$skiptoken=${token}`;
    }
    return reply(200, body);
  }

  function messageJson(m: SimMessageModel, full: boolean): Record<string, unknown> {
    const parsed = parseMime(m.mime);
    const from = addressOf(m.from ?? parsed.headers.get('from'));
    const out: Record<string, unknown> = {
      id: m.id,
      subject: m.subject ?? parsed.headers.get('subject') ?? null,
      from: from ? { emailAddress: from } : null,
      sender: from ? { emailAddress: from } : null,
      internetMessageId: m.internetMessageId ?? null,
      receivedDateTime: m.receivedDateTime,
      sentDateTime: dateOf(parsed.headers.get('date')) ?? m.receivedDateTime,
      parentFolderId: m.folderId,
      hasAttachments: parsed.attachments.length > 0,
      isRead: false,
      categories: categories.get(m.id) ?? [],
    };
    if (!full) return out;
    return {
      ...out,
      toRecipients: addressList(parsed.headers.get('to')),
      ccRecipients: addressList(parsed.headers.get('cc')),
      bccRecipients: [],
      replyTo: addressList(parsed.headers.get('reply-to')),
      createdDateTime: m.receivedDateTime,
      lastModifiedDateTime: m.receivedDateTime,
      conversationId: `conv-${m.id.slice(-12)}`,
      bodyPreview: parsed.text.slice(0, 255),
      body: { contentType: 'text', content: parsed.text },
      internetMessageHeaders: parsed.headerList,
      attachments: parsed.attachments,
      webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(m.id)}`,
    };
  }

  function listMessages(mb: SimMailboxModel, folder: SimFolderModel | undefined, q: URLSearchParams, reply: Reply): void {
    const skip = q.get('$skiptoken');
    const filter = q.get('$filter');
    const search = q.get('$search');
    const orderby = q.get('$orderby');
    if (search && (filter || orderby)) {
      return reply(400, err(orderby ? 'SearchWithOrderBy' : 'ErrorInvalidUrlQuery', orderby ? 'This request does not support $orderby with $search.' : 'Query option $filter is not allowed with $search.'));
    }
    if (orderby && !/^receivedDateTime(\s+(asc|desc))?$/i.test(orderby.trim())) return reply(400, err('ErrorInvalidProperty', `Unsupported $orderby ${orderby}`));
    if (orderby && filter && !/^\s*receivedDateTime\s/i.test(filter)) {
      return reply(400, err('InefficientFilter', 'The restriction or sort order is too complex for this operation.'));
    }
    let list = [...mb.messages.values()].filter((m) => !folder || m.folderId === folder.id);
    if (filter) {
      const clauses = andClauses(filter);
      const checks: ((m: SimMessageModel) => boolean)[] = [];
      for (const c of clauses) {
        let m = /^receivedDateTime\s+(ge|gt|le|lt)\s+'?([0-9T:.Z+-]+)'?$/i.exec(c);
        if (m) {
          const t = Date.parse(m[2] as string);
          const op = (m[1] as string).toLowerCase();
          checks.push((x) => {
            const r = Date.parse(x.receivedDateTime);
            return op === 'ge' ? r >= t : op === 'gt' ? r > t : op === 'le' ? r <= t : r < t;
          });
          continue;
        }
        m = /^contains\(\s*subject\s*,\s*'((?:[^']|'')*)'\s*\)$/i.exec(c);
        if (m) {
          const v = unq(m[1] as string).toLowerCase();
          checks.push((x) => (x.subject ?? '').toLowerCase().includes(v));
          continue;
        }
        m = /^from\/emailAddress\/address\s+eq\s+'((?:[^']|'')*)'$/i.exec(c);
        if (m) {
          const v = unq(m[1] as string).toLowerCase();
          checks.push((x) => (addressOf(x.from)?.address ?? '').toLowerCase() === v);
          continue;
        }
        m = /^internetMessageId\s+eq\s+'((?:[^']|'')*)'$/i.exec(c);
        if (m) {
          const v = unq(m[1] as string);
          checks.push((x) => x.internetMessageId === v);
          continue;
        }
        return reply(400, err('ErrorInvalidUrlQueryFilter', `The simulator does not support the filter clause: ${c}`));
      }
      list = list.filter((x) => checks.every((f) => f(x)));
    }
    if (search) {
      const terms = kqlTerms(search);
      if ('error' in terms) return reply(400, err('BadRequest', terms.error));
      list = list.filter((x) => {
        const parsed = parseMime(x.mime);
        const fields: Record<string, string> = {
          subject: (x.subject ?? '').toLowerCase(),
          body: parsed.text.toLowerCase(),
          from: `${addressOf(x.from)?.address ?? ''} ${addressOf(x.from)?.name ?? ''}`.toLowerCase(),
        };
        return terms.every(([prop, value]) => (prop ? wordStart(fields[prop] ?? '', value) : Object.values(fields).some((f) => wordStart(f, value))));
      });
      // $search results come back by sent date, newest first.
      list.sort((a, b) => Date.parse(b.receivedDateTime) - Date.parse(a.receivedDateTime));
    }
    if (orderby) {
      const desc = /desc$/i.test(orderby.trim());
      list.sort((a, b) => (Date.parse(a.receivedDateTime) - Date.parse(b.receivedDateTime)) * (desc ? -1 : 1));
    }
    const top = Math.max(1, Math.min(1000, Number(q.get('$top') ?? 10)));
    if (skip) {
      const p = searchPages.get(skip);
      if (!p) return reply(400, err('BadRequest', 'Invalid $skiptoken.'));
      return pageOf(p.items, p.top, reply, p.offset);
    }
    return pageOf(
      list.map((m) => messageJson(m, false)),
      top,
      reply,
    );
  }

  function childFolders(mb: SimMailboxModel, parent: SimFolderModel, q: URLSearchParams, reply: Reply): void {
    const filter = (q.get('$filter') ?? '').trim();
    const m = /^displayName eq '((?:[^']|'')*)'$/i.exec(filter);
    const name = m ? unq(m[1] as string).toLowerCase() : undefined;
    const kids = [...mb.folders.values()].filter((f) => f.parentFolderId === parent.id && (name === undefined || f.displayName.toLowerCase() === name));
    const json = kids.map((f) => ({
      id: f.id,
      displayName: f.displayName,
      parentFolderId: f.parentFolderId,
      childFolderCount: [...mb.folders.values()].filter((x) => x.parentFolderId === f.id).length,
      totalItemCount: [...mb.messages.values()].filter((x) => x.folderId === f.id).length,
      unreadItemCount: 0,
    }));
    return pageOf(json, Math.max(1, Number(q.get('$top') ?? 10)), reply);
  }

  function insert(mb: SimMailboxModel, folderId: string, mime: Buffer, from: SimMessageModel | undefined): SimMessageModel {
    const h = parseMime(mime).headers;
    const msg: SimMessageModel = {
      id: sim.newId('AAMkAGI'),
      mailbox: mb.address,
      folderId,
      mime,
      receivedDateTime: from?.receivedDateTime ?? sim.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    const imid = from?.internetMessageId ?? h.get('message-id');
    const subject = from?.subject ?? h.get('subject');
    const nmid = from?.networkMessageId ?? h.get('x-ms-exchange-organization-network-message-id');
    const sender = from?.from ?? h.get('from');
    if (imid) msg.internetMessageId = imid;
    if (subject !== undefined) msg.subject = subject;
    if (nmid) msg.networkMessageId = nmid;
    if (sender) msg.from = sender;
    mb.messages.set(msg.id, msg);
    if (from) categories.set(msg.id, [...(categories.get(from.id) ?? [])]);
    sim.recordChange(mb, folderId, msg.id);
    sim.mailArrived(mb, folderId, msg.id);
    return msg;
  }

  function rulesRoute(mb: SimMailboxModel, method: string, ruleId: string | undefined, json: unknown, reply: Reply): void {
    const list = rules.get(mb.address) ?? [];
    rules.set(mb.address, list);
    if (method === 'GET' && !ruleId) return reply(200, { value: list.map((r) => ({ id: r.id, ...r.body })) });
    if (method === 'POST' && !ruleId) {
      const b = json as Record<string, unknown> | undefined;
      if (!b || typeof b.displayName !== 'string' || typeof b.sequence !== 'number') return reply(400, err('ErrorInvalidRequest', 'displayName and sequence are required.'));
      const actions = b.actions as Record<string, unknown> | undefined;
      if (actions?.moveToFolder !== undefined && (typeof actions.moveToFolder !== 'string' || !sim.folderByIdOrName(mb, actions.moveToFolder))) {
        return reply(400, err('ErrorInvalidIdMalformed', 'The moveToFolder id is malformed or unknown.'));
      }
      const rec: SimMailRulesRecord = { id: sim.newId('AQAAAJ'), mailbox: mb.address, body: b };
      list.push(rec);
      return reply(201, { id: rec.id, ...b });
    }
    if (method === 'DELETE' && ruleId) {
      const i = list.findIndex((r) => r.id === ruleId);
      if (i < 0) return reply(404, err('ErrorItemNotFound', 'The specified object was not found in the store.'));
      list.splice(i, 1);
      return reply(204);
    }
    return reply(405, err('BadRequest', `unsupported ${method} messageRules`));
  }

  function traceDetailRoute(traceId: string, fn: string, reply: Reply): void {
    const m = /^getDetailsByRecipient\(recipientAddress='((?:[^']|'')*)'\)$/.exec(fn);
    if (!m) return reply(400, err('BadRequest', `Unsupported function ${fn}`));
    const recipient = unq(m[1] as string).toLowerCase();
    const row = sim.traceRows.find((r) => r.id === traceId && r.recipientAddress.toLowerCase() === recipient);
    if (!row) return reply(404, err('NotFound', `No message trace ${traceId} for recipient ${recipient}.`));
    const custom = traceDetails.get(`${traceId}|${recipient}`);
    const at = row.receivedDateTime ?? sim.now().toISOString();
    const rows: SimTraceDetailRow[] = custom ?? [
      { id: randomUUID(), messageId: row.messageId, dateTime: at, event: 'Receive', description: `Message received by: ${recipient.split('@')[1] ?? 'server'}`, data: '<root><MEP Name="ConnectorId" String="Default"/></root>' },
      {
        id: randomUUID(),
        messageId: row.messageId,
        dateTime: at,
        event: statusEvent(row.status),
        description: `The message was ${row.status ?? 'delivered'} for ${recipient}`,
        data: `<root><MEP Name="DeliveryPriority" String="Normal"/></root>`,
      },
    ];
    return reply(200, { '@odata.context': `${sim.origin()}/v1.0/$metadata#Collection(microsoft.graph.exchangeMessageTraceDetail)`, value: rows });
  }

  // ------------------------------------------------------------------ dispatch

  function handle(method: string, segs: string[], q: URLSearchParams, req: IncomingMessage, json: unknown, raw: Buffer, reply: Reply): boolean {
    const [s0, s1, s2, s3, s4, s5] = segs;
    if (s0 === '$pages' && method === 'GET') {
      const p = searchPages.get(q.get('$skiptoken') ?? '');
      if (!p) {
        reply(400, err('BadRequest', 'Invalid $skiptoken.'));
        return true;
      }
      pageOf(p.items, p.top, reply, p.offset);
      return true;
    }
    if (s0 === 'admin' && s1 === 'exchange' && s2 === 'tracing' && s3 === 'messageTraces' && segs.length === 6 && method === 'GET') {
      traceDetailRoute(s4 as string, s5 as string, reply);
      return true;
    }
    if (s0 === 'groups') {
      groupsRoute(method, segs, q, req, reply);
      return true;
    }
    if (s0 === 'users' && segs.length === 1 && method === 'GET' && (q.has('$filter') || q.has('$search'))) {
      usersRoute(q, req, reply);
      return true;
    }
    if (s0 !== 'users' || !s1) return false;
    const mb = [...sim.mailboxes.values()].find((m) => m.address === s1.toLowerCase() || m.userId === s1);
    if (!mb) return false;
    const notFound = () => reply(404, err('ErrorItemNotFound', 'The specified object was not found in the store.'));

    // users/{m}/messages
    if (s2 === 'messages' && segs.length === 3 && method === 'GET') {
      listMessages(mb, undefined, q, reply);
      return true;
    }
    if (s2 === 'messages' && s3) {
      const msg = mb.messages.get(s3);
      if (segs.length === 4 && method === 'GET') {
        if (!msg) notFound();
        else reply(200, messageJson(msg, true));
        return true;
      }
      if (segs.length === 4 && method === 'PATCH') {
        if (!msg) return (notFound(), true);
        const b = json as Record<string, unknown> | undefined;
        if (!b || typeof b !== 'object') return (reply(400, err('ErrorInvalidRequest', 'A JSON body is required.')), true);
        if (b.categories !== undefined) {
          if (!Array.isArray(b.categories) || !b.categories.every((c) => typeof c === 'string')) return (reply(400, err('ErrorInvalidRequest', 'categories must be a list of strings.')), true);
          categories.set(msg.id, [...(b.categories as string[])]);
        }
        if (b.subject !== undefined) {
          if (typeof b.subject !== 'string') return (reply(400, err('ErrorInvalidRequest', 'subject must be a string.')), true);
          msg.subject = b.subject;
        }
        reply(200, messageJson(msg, true));
        return true;
      }
      if (s4 === 'copy' && segs.length === 5 && method === 'POST') {
        if (!msg) return (notFound(), true);
        const dest = (json as { destinationId?: unknown } | undefined)?.destinationId;
        const folder = typeof dest === 'string' ? sim.folderByIdOrName(mb, dest) : undefined;
        if (!folder) return (reply(400, err('ErrorInvalidIdMalformed', 'Id is malformed.')), true);
        const copy = insert(mb, folder.id, msg.mime, msg);
        reply(201, messageJson(copy, true));
        return true;
      }
      return false;
    }
    if (s2 === 'mailFolders' && s3) {
      const folder = sim.folderByIdOrName(mb, s3);
      if (s4 === 'messageRules' && s3.toLowerCase() === 'inbox') {
        rulesRoute(mb, method, s5, json, reply);
        return true;
      }
      if (!folder) return false;
      if (s4 === 'childFolders' && segs.length === 5 && method === 'GET') {
        childFolders(mb, folder, q, reply);
        return true;
      }
      if (s4 === 'messages' && segs.length === 5 && method === 'GET') {
        listMessages(mb, folder, q, reply);
        return true;
      }
      if (s4 === 'messages' && segs.length === 5 && method === 'POST') {
        const type = String(req.headers['content-type'] ?? '');
        if (!/^text\/plain/i.test(type)) return (reply(400, err('ErrorInvalidRequest', 'The simulator only creates messages from MIME (Content-Type: text/plain, base64).')), true);
        const mime = Buffer.from(raw.toString('utf8').trim(), 'base64');
        if (mime.length === 0 || !/^[\w-]+:/m.test(mime.toString('utf8').slice(0, 200))) return (reply(400, err('UnableToDeserializePostBody', 'The MIME content is not valid base64 RFC 822.')), true);
        const created = insert(mb, folder.id, mime, undefined);
        createdFromMime.set(created.id, { mailbox: mb.address, folderId: folder.id });
        reply(201, { ...messageJson(created, true), isDraft: true });
        return true;
      }
    }
    return false;
  }

  return { api, handle };
}

// ------------------------------------------------------------------ helpers

const unq = (v: string) => v.replace(/''/g, "'");

function wordStart(haystack: string, needle: string): boolean {
  const n = needle.toLowerCase().trim();
  if (!n) return true;
  const re = new RegExp(`(^|[^\\p{L}\\p{N}])${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'u');
  return re.test(haystack);
}

function andClauses(filter: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i] as string;
    if (ch === "'") {
      if (inQuote && filter[i + 1] === "'") {
        cur += "''";
        i++;
        continue;
      }
      inQuote = !inQuote;
    }
    const rest = filter.slice(i);
    const m = !inQuote ? /^\s+and\s+/i.exec(rest) : null;
    if (m) {
      out.push(cur.trim());
      cur = '';
      i += m[0].length - 1;
      continue;
    }
    cur += ch;
  }
  out.push(cur.trim());
  return out.filter((c) => c !== '');
}

/** `"subject:invoice AND from:\"a b\""` -> [['subject','invoice'],['from','a b']]; bare words have prop ''. */
function kqlTerms(search: string): [string, string][] | { error: string } {
  let s = search.trim();
  if (!(s.startsWith('"') && s.endsWith('"') && s.length >= 2)) return { error: 'Invalid $search: the query must be in double quotes.' };
  s = s.slice(1, -1).replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  const out: [string, string][] = [];
  const re = /(?:(\w+):)?(?:"([^"]*)"|(\S+))/g;
  for (const m of s.matchAll(re)) {
    const word = m[2] ?? m[3] ?? '';
    if (!m[1] && /^(AND|OR|NOT)$/.test(word)) continue;
    const prop = (m[1] ?? '').toLowerCase();
    if (prop && !['subject', 'body', 'from'].includes(prop)) return { error: `The simulator does not support the KQL property ${prop}.` };
    out.push([prop, word.replace(/^\(|\)$/g, '')]);
  }
  return out;
}

function addressOf(raw: string | undefined): { name?: string; address: string } | undefined {
  if (!raw) return undefined;
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(raw);
  if (m) return { ...(m[1]?.trim() ? { name: (m[1] as string).trim() } : {}), address: (m[2] as string).trim() };
  return { address: raw.trim() };
}

function addressList(raw: string | undefined): { emailAddress: { name?: string; address: string } }[] {
  if (!raw) return [];
  return raw
    .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map((p) => addressOf(p))
    .filter((a): a is { name?: string; address: string } => a !== undefined && a.address !== '')
    .map((emailAddress) => ({ emailAddress }));
}

function dateOf(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function statusEvent(status: string | undefined): string {
  switch ((status ?? 'delivered').toLowerCase()) {
    case 'delivered':
      return 'Deliver';
    case 'failed':
      return 'Fail';
    case 'quarantined':
      return 'Quarantine';
    case 'filteredasspam':
      return 'Spam';
    case 'expanded':
      return 'Expand';
    default:
      return 'Pending';
  }
}

interface ParsedMime {
  headers: Map<string, string>;
  headerList: { name: string; value: string }[];
  text: string;
  attachments: { '@odata.type': string; id: string; name: string; contentType: string; size: number; isInline: boolean }[];
}

/** Enough MIME for a simulator: top-level headers, the first text part, and the attachment list. */
export function parseMime(mime: Buffer): ParsedMime {
  const text = mime.toString('utf8');
  const { head, body } = splitHead(text);
  const headerList = headerLines(head);
  const headers = new Map<string, string>();
  for (const h of headerList) if (!headers.has(h.name.toLowerCase())) headers.set(h.name.toLowerCase(), h.value);
  const attachments: ParsedMime['attachments'] = [];
  const bodyText = textOf(headers, body, attachments);
  return { headers, headerList, text: bodyText, attachments };
}

function splitHead(text: string): { head: string; body: string } {
  const i = text.search(/\r?\n\r?\n/);
  if (i < 0) return { head: text, body: '' };
  const sep = /\r?\n\r?\n/.exec(text.slice(i)) as RegExpExecArray;
  return { head: text.slice(0, i), body: text.slice(i + sep[0].length) };
}

function headerLines(head: string): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out.push({ name: line.slice(0, i).trim(), value: line.slice(i + 1).trim() });
  }
  return out;
}

function decodePart(headers: Map<string, string>, body: string): string {
  const enc = (headers.get('content-transfer-encoding') ?? '').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return body;
}

function textOf(headers: Map<string, string>, body: string, attachments: ParsedMime['attachments']): string {
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const parts = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?\\s*\\r?\\n?`)).slice(1);
    let found = '';
    for (const part of parts) {
      if (!part.trim()) continue;
      const { head, body: pb } = splitHead(part);
      const ph = new Map<string, string>();
      for (const h of headerLines(head)) ph.set(h.name.toLowerCase(), h.value);
      const ptype = (ph.get('content-type') ?? 'text/plain').toLowerCase();
      const disposition = (ph.get('content-disposition') ?? '').toLowerCase();
      const name = /name="?([^";]+)"?/i.exec(ph.get('content-disposition') ?? '')?.[1] ?? /name="?([^";]+)"?/i.exec(ph.get('content-type') ?? '')?.[1];
      if (ptype.startsWith('message/rfc822') || disposition.startsWith('attachment') || (name && !ptype.startsWith('text/'))) {
        attachments.push({
          '@odata.type': ptype.startsWith('message/rfc822') ? '#microsoft.graph.itemAttachment' : '#microsoft.graph.fileAttachment',
          id: `att-${attachments.length + 1}`,
          name: name ?? (ptype.startsWith('message/rfc822') ? 'attached message' : 'attachment'),
          contentType: ptype.split(';')[0] as string,
          size: Buffer.byteLength(pb),
          isInline: disposition.startsWith('inline'),
        });
        continue;
      }
      if (!found) found = textOf(ph, pb, attachments);
    }
    return found;
  }
  const decoded = decodePart(headers, body);
  return /^text\/html/i.test(type) ? decoded.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() : decoded.trim();
}
