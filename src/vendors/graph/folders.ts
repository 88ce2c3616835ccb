// Mail folder paths as the seeds write them: `/` separates levels, `\/` is a literal slash inside a
// name, `\\` a literal backslash (`Inbox/Phish\/Reports` = folder "Phish/Reports" under Inbox).
// Shared by the Graph client and the Graph simulator.

/** Graph well-known folder names (mailFolder ids that need no lookup). */
export const WELL_KNOWN_FOLDERS: ReadonlySet<string> = new Set([
  'archive',
  'clutter',
  'conflicts',
  'conversationhistory',
  'deleteditems',
  'drafts',
  'inbox',
  'junkemail',
  'localfailures',
  'msgfolderroot',
  'outbox',
  'recoverableitemsdeletions',
  'scheduled',
  'searchfolders',
  'sentitems',
  'serverfailures',
  'syncissues',
]);

/** Display names that people type for well-known folders ("Junk Email", "Deleted Items", "Sent Items"). */
const WELL_KNOWN_ALIASES: Record<string, string> = {
  'junk email': 'junkemail',
  junk: 'junkemail',
  'deleted items': 'deleteditems',
  'sent items': 'sentitems',
  'conversation history': 'conversationhistory',
  'sync issues': 'syncissues',
  root: 'msgfolderroot',
};

/** The well-known name for a first path segment, if it is one (case-insensitive). */
export function wellKnownFolderName(segment: string): string | undefined {
  const s = segment.trim().toLowerCase();
  if (WELL_KNOWN_FOLDERS.has(s)) return s;
  return WELL_KNOWN_ALIASES[s];
}

/** Splits a folder path into display names. Empty segments (leading/trailing/double slashes) are dropped. */
export function parseFolderPath(path: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (ch === '\\' && i + 1 < path.length && (path[i + 1] === '/' || path[i + 1] === '\\')) {
      cur += path[i + 1];
      i++;
    } else if (ch === '/') {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** OData string literal: single quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
