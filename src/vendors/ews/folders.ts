// Folder addressing in EWS. A folder is named by id (FolderId), by a distinguished name
// (DistinguishedFolderId: inbox, junkemail, msgfolderroot, publicfoldersroot, ...), optionally in
// another mailbox (delegate access), or by a path as the seeds write it: `/` separates levels and
// `\/` is a literal slash in a name (`Inbox/test\/exp`), parsed by the same function the Graph
// client uses. Path resolution itself (FindFolder level by level) lives in the client.
import { parseFolderPath } from '../graph/folders.ts';
import { el, textEl, type XmlElement } from './xml.ts';

export { parseFolderPath };

/**
 * Distinguished folder names accepted as the first segment of a path. A conservative subset of
 * the schema's list: names like `archive` or `important` exist only in newer Exchange Online
 * builds, and on-prem an "Archive" folder is an ordinary folder under the root.
 */
export const DISTINGUISHED_FOLDERS = [
  'inbox',
  'deleteditems',
  'drafts',
  'junkemail',
  'outbox',
  'sentitems',
  'msgfolderroot',
  'root',
  'publicfoldersroot',
  'calendar',
  'contacts',
  'tasks',
  'notes',
  'journal',
  'searchfolders',
  'conversationhistory',
  'syncissues',
  'conflicts',
  'localfailures',
  'serverfailures',
  'recoverableitemsroot',
  'recoverableitemsdeletions',
  'recoverableitemsversions',
  'recoverableitemspurges',
  'archiveroot',
  'archivemsgfolderroot',
  'archivedeleteditems',
  'archiveinbox',
] as const;
export type DistinguishedFolder = (typeof DISTINGUISHED_FOLDERS)[number];

const DISTINGUISHED: ReadonlySet<string> = new Set(DISTINGUISHED_FOLDERS);

/** Display names people type for distinguished folders (Outlook's English names, old and new). */
const ALIASES: Record<string, DistinguishedFolder> = {
  'junk email': 'junkemail',
  'junk e-mail': 'junkemail',
  junk: 'junkemail',
  'deleted items': 'deleteditems',
  'sent items': 'sentitems',
  'conversation history': 'conversationhistory',
  'sync issues': 'syncissues',
  'top of information store': 'msgfolderroot',
  'public folders': 'publicfoldersroot',
  'all public folders': 'publicfoldersroot',
};

/** The distinguished name for a path segment, if it is one (case-insensitive, aliases allowed). */
export function distinguishedFolderName(segment: string): DistinguishedFolder | undefined {
  const s = segment.trim().toLowerCase();
  if (DISTINGUISHED.has(s)) return s as DistinguishedFolder;
  return ALIASES[s];
}

/** A folder named by id, or by distinguished name (in `mailbox` when given: delegate access). */
export type EwsFolderRef = { id: string; changeKey?: string } | { distinguished: DistinguishedFolder; mailbox?: string };

/** A folder by path: `Inbox/Phish`, in `mailbox` (else the caller's own or impersonated one), or under the public folders root. */
export interface EwsFolderPath {
  path: string;
  mailbox?: string;
  publicFolder?: boolean;
}

export type EwsFolderTarget = EwsFolderRef | EwsFolderPath;

export function isFolderPath(t: EwsFolderTarget): t is EwsFolderPath {
  return 'path' in t;
}

/**
 * EWS ids are base64 of a binary entry id (AAMk…, AQMk…, and shorter forms in older servers).
 * Used to let a single path segment be a folder id, as the seeds' folder parameters allow.
 */
export function looksLikeEwsId(s: string): boolean {
  return s.length >= 40 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(s);
}

/** `<t:FolderId>` or `<t:DistinguishedFolderId>` (with `<t:Mailbox>` for another mailbox). */
export function folderIdElement(ref: EwsFolderRef): XmlElement {
  if ('id' in ref) return el('t:FolderId', { Id: ref.id, ChangeKey: ref.changeKey });
  const mailbox = ref.distinguished === 'publicfoldersroot' ? undefined : ref.mailbox;
  return el('t:DistinguishedFolderId', { Id: ref.distinguished }, mailbox ? el('t:Mailbox', undefined, textEl('t:EmailAddress', mailbox)) : undefined);
}

/** A path for messages and cache keys: segments joined back with escapes (`Inbox/test\/exp`). */
export function formatFolderPath(segments: readonly string[]): string {
  return segments.map((s) => s.replace(/\\/g, '\\\\').replace(/\//g, '\\/')).join('/');
}
