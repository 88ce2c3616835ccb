// The request of every Mimecast call Hookline makes, as pure functions: the client sends them,
// dry runs show them, tests compare them. Paths and bodies: shared/reference/mimecast_cofense.md §4.
import type {
  MimecastBlockedSenderPolicyInput,
  MimecastRejectReason,
  MimecastRemediationInput,
  MimecastRequest,
} from './types.ts';

type Data = Record<string, unknown>;

function req(name: string, path: string, data: Data[], idempotent: boolean): MimecastRequest {
  return { operation: `mimecast.${name}`, path, data, idempotent };
}

/** Drops undefined values so bodies carry only what was asked for. */
export function compact<T extends Data>(obj: T): T {
  const out: Data = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** `<id@host>`: remediation by message id needs the angle brackets (MC-EP create-incident). */
export function bracketMessageId(id: string): string {
  const t = id.trim();
  return t.startsWith('<') && t.endsWith('>') ? t : `<${t.replace(/^<|>$/g, '')}>`;
}

export const requests = {
  // ---------------------------------------------------------------- directory
  findGroups: (f: { query?: string; source?: 'cloud' | 'ldap' } = {}) =>
    req('find-groups', '/api/directory/find-groups', f.query || f.source ? [compact({ query: f.query, source: f.source })] : [], true),
  getGroupMembers: (groupId: string) => req('get-group-members', '/api/directory/get-group-members', [{ id: groupId }], true),
  addGroupMembers: (groupId: string, emails: readonly string[]) =>
    req('add-group-member', '/api/directory/add-group-member', emails.map((emailAddress) => ({ id: groupId, emailAddress })), false),
  removeGroupMembers: (groupId: string, emails: readonly string[]) =>
    req('remove-group-member', '/api/directory/remove-group-member', emails.map((emailAddress) => ({ id: groupId, emailAddress })), false),
  createGroup: (name: string, parentId?: string) => req('create-group', '/api/directory/create-group', [compact({ description: name, parentId })], false),
  updateGroup: (id: string, name: string, parentId?: string) =>
    req('update-group', '/api/directory/update-group', [compact({ id, description: name, parentId })], false),

  // ---------------------------------------------------------------- URL protection
  createManagedUrl: (u: {
    url: string;
    action: 'block' | 'permit';
    matchType?: 'explicit' | 'domain';
    comment?: string;
    disableRewrite?: boolean;
    disableUserAwareness?: boolean;
    disableLogClick?: boolean;
  }) =>
    req(
      'create-managed-url',
      '/api/ttp/url/create-managed-url',
      [
        compact({
          url: u.url,
          action: u.action,
          matchType: u.matchType ?? 'explicit',
          comment: u.comment,
          // Rewrite / awareness switches apply only to permitted URLs (MC-EP).
          disableRewrite: u.action === 'permit' ? (u.disableRewrite ?? false) : undefined,
          disableUserAwareness: u.action === 'permit' ? (u.disableUserAwareness ?? false) : undefined,
          disableLogClick: u.disableLogClick ?? false,
        }),
      ],
      false,
    ),
  getManagedUrls: (f: { domainOrUrl?: readonly string[]; exactMatch?: boolean } = {}) =>
    req(
      'get-managed-url',
      '/api/ttp/url/get-all-managed-urls',
      (f.domainOrUrl ?? []).map((domainOrUrl) => ({ domainOrUrl, exactMatch: f.exactMatch ?? false })),
      true,
    ),
  deleteManagedUrl: (id: string) => req('delete-managed-url', '/api/ttp/url/delete-managed-url', [{ id }], false),
  decodeUrls: (urls: readonly string[]) => req('decode-url', '/api/ttp/url/decode-url', urls.map((url) => ({ url })), true),
  getUrlLogs: (f: { from?: string; to?: string; route?: string; scanResult?: string; oldestFirst?: boolean }) =>
    req('get-url-logs', '/api/ttp/url/get-logs', [compact({ from: f.from, to: f.to, route: f.route, scanResult: f.scanResult, oldestFirst: f.oldestFirst ?? false })], true),
  getAttachmentLogs: (f: { from?: string; to?: string; route?: string; result?: string; oldestFirst?: boolean }) =>
    req(
      'get-ttp-attachment-log',
      '/api/ttp/attachment/get-logs',
      [compact({ from: f.from, to: f.to, route: f.route, result: f.result, oldestFirst: f.oldestFirst ?? false })],
      true,
    ),

  // ---------------------------------------------------------------- policies, managed senders
  createBlockedSenderPolicy: (p: MimecastBlockedSenderPolicyInput) =>
    req(
      'create-policy',
      '/api/policy/blockedsenders/create-policy',
      [
        {
          option: p.option,
          policy: compact({
            description: p.description,
            fromPart: p.fromPart ?? 'both',
            fromType: p.fromType,
            fromValue: p.fromValue,
            toType: p.toType,
            toValue: p.toValue,
            fromEternal: true,
            toEternal: true,
            override: false,
            bidirectional: false,
            comment: p.comment,
          }),
        },
      ],
      false,
    ),
  getBlockedSenderPolicies: (id?: string) => req('get-policy', '/api/policy/blockedsenders/get-policy', id ? [{ id }] : [], true),
  deleteBlockedSenderPolicy: (id: string) => req('delete-policy', '/api/policy/blockedsenders/delete-policy', [{ id }], false),
  permitOrBlockSender: (s: { sender: string; to: string; action: 'permit' | 'block' }) =>
    req('permit-or-block-sender', '/api/managedsender/permit-or-block-sender', [{ sender: s.sender, to: s.to, action: s.action }], false),

  // ---------------------------------------------------------------- held queue
  getHoldMessageList: (f: { admin?: boolean; start?: string; end?: string; fieldName?: string; value?: string }) =>
    req(
      'get-hold-message-list',
      '/api/gateway/get-hold-message-list',
      [
        compact({
          admin: f.admin ?? false,
          start: f.start,
          end: f.end,
          searchBy: f.fieldName && f.value !== undefined ? { fieldName: f.fieldName, value: f.value } : undefined,
        }),
      ],
      true,
    ),
  releaseHeldMessage: (id: string) => req('release-message', '/api/gateway/hold-release', [{ id }], false),
  rejectHeldMessages: (r: { ids: readonly string[]; reasonType?: MimecastRejectReason; message?: string; notify?: boolean }) =>
    req(
      'reject-held-message',
      '/api/gateway/hold-reject',
      [
        compact({
          ids: [...r.ids],
          message: r.message,
          reasonType: r.reasonType ?? 'MESSAGE CONTAINS UNDESIRABLE CONTENT',
          notify: r.notify ?? false,
        }),
      ],
      false,
    ),

  // ---------------------------------------------------------------- remediation
  /**
   * One criterion among messageId / fileHash / url: the documented create-incident
   * (`searchBy` + `hashOrMessageId` / `url`). Several criteria, or messageIds / subject / from /
   * parentIncidentCode: the newer create variant with the field names of the seed's error message
   * (`/api/ttp/remediation/v2/create`, UNVERIFIED in practice).
   */
  createRemediationIncident: (r: MimecastRemediationInput) => {
    const single = [r.messageId, r.fileHash, r.url].filter((v) => v !== undefined && v !== '');
    const extended = (r.messageIds?.length ?? 0) > 0 || r.subject || r.from || r.parentIncidentCode;
    if (!extended && single.length === 1) {
      const base = { reason: r.reason, start: r.start, end: r.end };
      if (r.messageId) return req('create-remediation-incident', '/api/ttp/remediation/create', [compact({ ...base, searchBy: 'messageId', hashOrMessageId: bracketMessageId(r.messageId) })], false);
      if (r.fileHash) return req('create-remediation-incident', '/api/ttp/remediation/create', [compact({ ...base, searchBy: 'hash', hashOrMessageId: r.fileHash.toLowerCase() })], false);
      return req('create-remediation-incident', '/api/ttp/remediation/create', [compact({ ...base, searchBy: 'url', url: r.url })], false);
    }
    return req(
      'create-remediation-incident',
      '/api/ttp/remediation/v2/create',
      [
        compact({
          reason: r.reason,
          start: r.start,
          end: r.end,
          messageIds: r.messageIds?.length ? [...r.messageIds] : undefined,
          messageId: r.messageId ? bracketMessageId(r.messageId) : undefined,
          fileHash: r.fileHash?.toLowerCase(),
          url: r.url,
          subject: r.subject,
          from: r.from,
          parentIncidentCode: r.parentIncidentCode,
        }),
      ],
      false,
    );
  },
  getRemediationIncident: (id: string) => req('get-remediation-incident', '/api/ttp/remediation/get-incident', [{ id }], true),
  searchFileHashes: (hashes: readonly string[]) => req('search-file-hash', '/api/ttp/remediation/search-hash', [{ hashes: hashes.map((h) => h.toLowerCase()) }], true),

  // ---------------------------------------------------------------- archive, tracking
  getMessageList: (f: { view: 'INBOX' | 'SENT'; mailbox: string; start?: string; end?: string }) =>
    req(
      'get-message-list',
      '/api/archive/get-message-list',
      [compact({ view: f.view, mailbox: f.mailbox, start: f.start, end: f.end, includeDelegates: false, includeAliases: false })],
      true,
    ),
  getMessageDetail: (id: string) => req('get-message-detail', '/api/archive/get-message-detail', [{ id }], true),
  getFile: (id: string) => req('get-file', '/api/archive/get-file', [{ id }], true),
  searchArchive: (xml: string) => req('archive-search', '/api/archive/search', [{ admin: true, query: xml }], true),
  searchMessageFinder: (f: {
    start: string;
    end: string;
    searchReason: string;
    messageId?: string;
    advanced?: { from?: string; to?: string; subject?: string; senderIP?: string; route?: string };
  }) =>
    req(
      'message-finder-search',
      '/api/message-finder/search',
      [
        compact({
          start: f.start,
          end: f.end,
          searchReason: f.searchReason,
          messageId: f.messageId ? bracketMessageId(f.messageId) : undefined,
          advancedTrackAndTraceOptions: f.advanced && Object.keys(compact(f.advanced)).length ? compact(f.advanced) : undefined,
        }),
      ],
      true,
    ),
};

/** The JSON body a request sends: `{meta?, data}`. */
export function requestBody(r: MimecastRequest): { meta?: MimecastRequest['meta']; data: Data[] } {
  return r.meta ? { meta: r.meta, data: r.data } : { data: r.data };
}

export type { MimecastRejectReason };
