// o365.run-query (seed 000 "run query"): searches a mailbox folder by folder, newest first, the
// range applied PER FOLDER as the seed describes ("if the range is 2-10 ... 9 max emails for each
// folder"). Simple search (subject / body substrings, sender, Internet Message-ID, ANDed) or an
// AQS query (which makes subject, body and internet_message_id ignored).
//
// Graph: simple search is a $filter (substring on subject); the body cannot be $filter-ed, so a
// body search and an AQS query run as KQL $search, which matches at word starts, not inside
// words (said in the result). EWS: Restriction (Contains substring) or QueryString (AQS).
import { z } from 'zod';
import type { ActionContext, ActionResult, TableData } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import type { GraphClient } from '../../vendors/graph/client.ts';
import type { EwsClient } from '../../vendors/ews/client.ts';
import type { ItemRange } from '../../vendors/ews/params.ts';
import type { MailFolderInfo, MessageSummary } from '../../vendors/graph/mail-types.ts';
import { bracketedMessageId, kqlQuery, messageSearchFilter } from '../../vendors/graph/mail-query.ts';
import { parseFolderPath } from '../../vendors/graph/folders.ts';
import { backendParam, cell, emailParam, ewsCall, folderParam, formatAddress, o365Action, optionalEmailParam, pickBackend, plural, rangeOf, rangeParam, table } from './common.ts';

/** Most folders one search visits (a mailbox can have thousands; each is one request). */
export const MAX_SEARCH_FOLDERS = 500;

const params = z.object({
  email: emailParam("User's email (mailbox to search in)"),
  folder: folderParam('Folder name or path to search in (default: every mail folder)').optional().describe('Folder name or path to search in (default: every mail folder); levels separated by /, a / inside a name written \\/ (e.g. Inbox/test\\/exp)'),
  subject: z.string().min(1).optional().describe('Substring to search in the subject'),
  sender: optionalEmailParam('Sender email address to match'),
  body: z.string().min(1).optional().describe('Substring to search in the body (Graph: matched at word starts)'),
  internet_message_id: z
    .string()
    .trim()
    .min(1)
    .refine((v) => !/\s/.test(v), { message: 'internet_message_id must not contain spaces' })
    .optional()
    .describe('Internet message ID (the Message-ID header, e.g. <abc@mail.example.com>)'),
  query: z.string().trim().min(1).optional().describe('AQS query (e.g. subject:invoice AND from:"User Name"); when given, subject, body and internet_message_id are ignored'),
  range: rangeParam('Email range to return per folder, min_offset-max_offset (default 0-10)'),
  ignore_subfolders: z.boolean().default(false).describe('Search only the folder itself, not its subfolders (default false)'),
  backend: backendParam(),
});
type Params = z.output<typeof params>;

interface Hit {
  folder: string;
  id: string;
  received?: string;
  from?: string;
  subject?: string;
  internetMessageId?: string;
}

const COLUMNS: [string, string][] = [
  ['folder', 'Folder'],
  ['received', 'Received'],
  ['from', 'From'],
  ['subject', 'Subject'],
  ['internet_message_id', 'Internet message ID'],
  ['id', 'Email ID'],
];

export const runQuery = o365Action({
  name: 'run-query',
  title: 'Run query',
  summary: 'Searches the folders of a mailbox (subject, sender, body, Internet Message-ID or an AQS query), newest first, range per folder',
  params,
  risk: 'read',
  // Subjects and senders of anyone's mailbox: investigators only.
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const range = rangeOf(p.range);
    const b = pickBackend(ctx, p.backend);
    const out = b.kind === 'graph' ? await graphQuery(b.graph, p, range) : await ewsQuery(ctx, b.ews, p, range);
    const rows = out.hits.map((h) => ({
      folder: cell(h.folder),
      received: cell(h.received),
      from: cell(h.from),
      subject: cell(h.subject),
      internet_message_id: cell(h.internetMessageId),
      id: cell(h.id),
    }));
    const notes = [...out.notes];
    if (p.query && (p.subject || p.body || p.internet_message_id)) notes.push('subject, body and internet_message_id were ignored because query was given');
    return {
      summary: `Emails matched: ${out.hits.length} in ${plural(out.folders, 'folder')} of ${p.email} (range ${range.offset}-${range.offset + range.limit - 1} per folder)${notes.length ? `. ${notes.join('; ')}` : ''}`,
      kind: 'table',
      data: table(COLUMNS, rows),
      ...(out.partial ? { partial: true } : {}),
    };
  },
});

async function graphQuery(graph: GraphClient, p: Params, range: ItemRange): Promise<{ hits: Hit[]; folders: number; notes: string[]; partial: boolean }> {
  const notes: string[] = [];
  // Which folders: the one named (and, unless told otherwise, everything under it), or all.
  let targets: MailFolderInfo[];
  let truncated = false;
  if (p.folder) {
    const id = await graph.resolveFolderId(p.email, p.folder);
    const path = parseFolderPath(p.folder)
      .map((s) => s.replace(/\\/g, '\\\\').replace(/\//g, '\\/'))
      .join('/');
    targets = [{ id, displayName: path, path }];
    if (!p.ignore_subfolders) {
      const under = await graph.listMailFolders(p.email, { under: id, underPath: path, maxFolders: MAX_SEARCH_FOLDERS });
      truncated = under.length >= MAX_SEARCH_FOLDERS;
      targets.push(...under);
    }
  } else {
    const all = await graph.listMailFolders(p.email, { maxFolders: MAX_SEARCH_FOLDERS });
    truncated = all.length >= MAX_SEARCH_FOLDERS;
    targets = p.ignore_subfolders ? all.filter((f) => !f.path.replace(/\\\//g, '').includes('/')) : all;
  }
  if (truncated) notes.push(`only the first ${MAX_SEARCH_FOLDERS} folders were searched`);

  const useSearch = Boolean(p.query || p.body);
  const kql = useSearch ? kqlQuery({ ...(p.query ? { query: p.query } : {}), ...(p.subject ? { subject: p.subject } : {}), ...(p.body ? { body: p.body } : {}), ...(p.sender ? { sender: p.sender } : {}) }) : undefined;
  const filter = useSearch ? undefined : messageSearchFilter({ ...(p.subject ? { subject: p.subject } : {}), ...(p.sender ? { sender: p.sender } : {}), ...(p.internet_message_id ? { internetMessageId: p.internet_message_id } : {}) });
  if (useSearch) notes.push('Graph searched with KQL (matches at the start of words, sorted by sent date)');
  // KQL cannot express an Internet Message-ID: with a body search it is checked on the results.
  const imid = useSearch && !p.query && p.internet_message_id ? bracketedMessageId(p.internet_message_id) : undefined;

  const hits: Hit[] = [];
  const perFolder: MessageSummary[][] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < targets.length; i = next++) {
      const t = targets[i] as MailFolderInfo;
      const r = await graph.searchMessages(p.email, { folderId: t.id, offset: range.offset, limit: range.limit, ...(kql ? { search: kql } : {}), ...(filter ? { filter } : {}) });
      perFolder[i] = imid ? r.messages.filter((m) => m.internetMessageId === imid) : r.messages;
    }
  };
  // A few folders at once: Outlook allows 4 concurrent requests per app and mailbox.
  await Promise.all(Array.from({ length: Math.min(4, targets.length) }, worker));
  targets.forEach((t, i) => {
    for (const m of perFolder[i] ?? []) {
      hits.push({
        folder: t.path,
        id: m.id,
        ...(m.receivedDateTime ? { received: m.receivedDateTime } : {}),
        ...(m.from ? { from: formatAddress(m.from) } : {}),
        ...(m.subject !== undefined ? { subject: m.subject } : {}),
        ...(m.internetMessageId ? { internetMessageId: m.internetMessageId } : {}),
      });
    }
  });
  return { hits, folders: targets.length, notes, partial: false };
}

async function ewsQuery(ctx: ActionContext<Vendors>, ews: EwsClient, p: Params, range: ItemRange): Promise<{ hits: Hit[]; folders: number; notes: string[]; partial: boolean }> {
  const call = ewsCall(ctx, { email: p.email });
  const r = await ews.searchMailbox(
    {
      // Without impersonation the mailbox is reached by delegate access.
      ...(call.impersonate ? {} : { mailbox: p.email }),
      ...(p.folder ? { folder: p.folder } : {}),
      filter: {
        ...(p.subject ? { subject: p.subject } : {}),
        ...(p.sender ? { sender: p.sender } : {}),
        ...(p.body ? { body: p.body } : {}),
        ...(p.internet_message_id ? { internetMessageId: p.internet_message_id } : {}),
      },
      ...(p.query ? { query: p.query } : {}),
      range,
      ignoreSubfolders: p.ignore_subfolders,
    },
    call,
  );
  const notes = r.foldersTruncated ? ['not every folder was searched (the mailbox has more folders than one search visits)'] : [];
  const hits: Hit[] = r.items.map((it) => ({
    folder: it.folderPath,
    id: it.itemId?.id ?? '',
    ...(it.dateTimeReceived ? { received: it.dateTimeReceived } : {}),
    ...(it.from ? { from: formatAddress(it.from) } : {}),
    ...(it.subject !== undefined ? { subject: it.subject } : {}),
    ...(it.internetMessageId ? { internetMessageId: it.internetMessageId } : {}),
  }));
  return { hits, folders: r.folders.length, notes, partial: false };
}
