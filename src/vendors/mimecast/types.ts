// Shapes of the Mimecast API (1.0 paths, served identically by the 2.0 gateway). Fields are the
// documented ones (shared/reference/mimecast_cofense.md §3-4); Mimecast may add more, so every
// item type keeps unknown extra fields, and nothing here is trusted to be present.

/** `{meta, data, fail}`: every /api/... response. */
export interface MimecastEnvelope<T = unknown> {
  meta?: {
    status?: number;
    pagination?: MimecastPagination;
  };
  data?: T[];
  fail?: MimecastFailItem[];
}

export interface MimecastPagination {
  pageSize?: number;
  totalCount?: number;
  next?: string;
  previous?: string;
}

export interface MimecastFailItem {
  /** The request item that failed (UNVERIFIED that Mimecast always echoes it). */
  key?: unknown;
  errors?: { code?: string; message?: string; retryable?: boolean; field?: string }[];
}

/** One failed item or function-level failure, flattened. */
export interface MimecastFailure {
  key?: unknown;
  code?: string;
  message: string;
  retryable: boolean;
  field?: string;
}

export interface MimecastMeta {
  pagination?: MimecastPagination;
}

/** The body of one call: `{meta?, data:[...]}` sent to `path`. */
export interface MimecastRequest {
  /** `mimecast.<name>` for logs and error messages. */
  operation: string;
  path: string;
  data: Record<string, unknown>[];
  meta?: { pagination?: { pageSize?: number; pageToken?: string } };
  /** A read (or a search): safe to repeat, so 5xx and timeouts are retried too. */
  idempotent: boolean;
}

export interface MimecastResult<T> {
  data: T[];
  /** Items that failed while others succeeded (partial success). Empty on full success. */
  failures: MimecastFailure[];
  meta: MimecastMeta;
  status: number;
  requestId?: string;
}

export interface MimecastList<T> {
  items: T[];
  /** More existed than were returned (the limit was reached). */
  truncated: boolean;
  /** The vendor's total when it says (meta.pagination.totalCount of the first page). */
  total?: number;
  pages: number;
  requestIds: string[];
}

type Extra = { [key: string]: unknown };

export interface MimecastAddress extends Extra {
  emailAddress?: string;
  displayableName?: string;
}

// ---------------------------------------------------------------- directory

export interface MimecastGroup extends Extra {
  id: string;
  description?: string;
  source?: string;
  parentId?: string;
  userCount?: number;
  folderCount?: number;
}

export interface MimecastGroupMember extends Extra {
  emailAddress?: string;
  domain?: string;
  name?: string;
  type?: string;
  internal?: boolean;
  notes?: string;
}

/** add-group-member / remove-group-member answer item. */
export interface MimecastGroupMemberChange extends Extra {
  id?: string;
  folderId?: string;
  emailAddress?: string;
  domain?: string;
  internal?: boolean;
}

// ---------------------------------------------------------------- URL protection

export interface MimecastManagedUrl extends Extra {
  id: string;
  scheme?: string;
  domain?: string;
  port?: number;
  path?: string;
  queryString?: string;
  matchType?: string;
  action?: string;
  comment?: string;
  disableUserAwareness?: boolean;
  disableRewrite?: boolean;
  disableLogClick?: boolean;
}

export interface MimecastDecodedUrl extends Extra {
  url?: string;
  success?: boolean;
}

export interface MimecastClickLog extends Extra {
  userEmailAddress?: string;
  url?: string;
  ttpDefinition?: string;
  action?: string;
  adminOverride?: string;
  userOverride?: string;
  scanResult?: string;
  category?: string;
  userAwarenessAction?: string;
  date?: string;
  route?: string;
}

export interface MimecastAttachmentLog extends Extra {
  result?: string;
  date?: string;
  senderAddress?: string;
  recipientAddress?: string;
  fileName?: string;
  fileType?: string;
  actionTriggered?: string;
  route?: string;
  details?: string;
}

// ---------------------------------------------------------------- policies, managed senders

export type MimecastPolicyAddressType =
  | 'everyone'
  | 'internal_addresses'
  | 'external_addresses'
  | 'email_domain'
  | 'profile_group'
  | 'individual_email_address'
  | 'address_attribute_value'
  | 'free_mail_domains'
  | 'header_display_name';

export interface MimecastBlockedSenderPolicyInput {
  option: 'block_sender' | 'no_action';
  description: string;
  fromPart?: 'envelope_from' | 'header_from' | 'both';
  fromType: MimecastPolicyAddressType;
  fromValue?: string;
  toType: MimecastPolicyAddressType;
  toValue?: string;
  comment?: string;
}

export interface MimecastPolicy extends Extra {
  id: string;
  option?: string;
  policy?: {
    description?: string;
    fromPart?: string;
    fromType?: string;
    fromValue?: string;
    toType?: string;
    toValue?: string;
    fromEternal?: boolean;
    toEternal?: boolean;
    fromDate?: string;
    toDate?: string;
    enabled?: boolean;
    enforced?: boolean;
    override?: boolean;
    bidirectional?: boolean;
    comment?: string;
    createTime?: string;
    lastUpdated?: string;
    [key: string]: unknown;
  };
}

export interface MimecastManagedSender extends Extra {
  id?: string;
  sender?: string;
  to?: string;
  type?: string;
}

// ---------------------------------------------------------------- held queue

export interface MimecastHeldMessage extends Extra {
  id: string;
  reason?: string;
  reasonId?: string;
  reasonCode?: string;
  from?: MimecastAddress;
  fromHeader?: MimecastAddress;
  to?: MimecastAddress;
  subject?: string;
  route?: string;
  hasAttachments?: boolean;
  size?: number;
  dateReceived?: string;
  policyInfo?: string;
}

export type MimecastRejectReason =
  | 'MESSAGE CONTAINS UNDESIRABLE CONTENT'
  | 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'
  | 'REVIEWER DISAPPROVES OF CONTENT'
  | 'INAPPROPRIATE COMMUNICATION'
  | 'MESSAGE GOES AGAINST EMAIL POLICIES';

export interface MimecastHoldRelease extends Extra {
  id?: string;
  release?: boolean;
}

export interface MimecastHoldReject extends Extra {
  id?: string;
  reject?: boolean;
}

// ---------------------------------------------------------------- remediation

export interface MimecastIncident extends Extra {
  id: string;
  code?: string;
  type?: string;
  reason?: string;
  identified?: number;
  successful?: number;
  failed?: number;
  restored?: number;
  create?: string;
  modified?: string;
  searchCriteria?: {
    from?: string;
    to?: string;
    start?: string;
    end?: string;
    messageId?: string;
    fileHash?: string;
    url?: string;
    unremediateCode?: string;
    restoreCode?: string;
    [key: string]: unknown;
  };
}

export interface MimecastRemediationInput {
  reason: string;
  /** Mimecast date strings (`...+0000`). */
  start?: string;
  end?: string;
  /** Internet Message-ID (wrapped in <> if missing). */
  messageId?: string;
  fileHash?: string;
  url?: string;
  /** The variant of create-incident that takes several criteria (UNVERIFIED field names, from the seed). */
  messageIds?: string[];
  subject?: string;
  from?: string;
  parentIncidentCode?: string;
}

export interface MimecastHashSearch extends Extra {
  hashStatus?: { hash: string; detected: boolean }[];
  failedHashes?: unknown[];
}

// ---------------------------------------------------------------- archive, tracking

export interface MimecastArchiveMessage extends Extra {
  id: string;
  status?: string;
  received?: string;
  from?: MimecastAddress;
  to?: MimecastAddress[];
  subject?: string;
  smash?: string;
  attachmentCount?: number;
  size?: number;
}

export interface MimecastAttachmentRef extends Extra {
  id: string;
  filename?: string;
  extension?: string;
  contentType?: string;
  sha256?: string;
  size?: number;
  bodyType?: string;
  contentId?: string;
}

export interface MimecastMessageDetail extends Extra {
  id: string;
  status?: string;
  smash?: string;
  mimeMessageId?: string;
  subject?: string;
  headerDate?: string;
  size?: number;
  from?: MimecastAddress;
  to?: MimecastAddress[];
  cc?: MimecastAddress[];
  replyTo?: MimecastAddress;
  envelopeFrom?: MimecastAddress;
  headers?: { name: string; values: string[] }[];
  attachments?: MimecastAttachmentRef[];
  processed?: string;
  hasHtmlBody?: boolean;
}

export interface MimecastArchiveSearchItem extends Extra {
  id: string;
  subject?: string;
  displayfrom?: string;
  displayto?: string;
  receiveddate?: string;
  size?: number;
  attachmentcount?: number;
  status?: string;
  smash?: string;
}

export interface MimecastTrackedEmail extends Extra {
  id: string;
  info?: string;
  status?: string;
  fromEnv?: MimecastAddress;
  fromHdr?: MimecastAddress;
  to?: MimecastAddress[];
  received?: string;
  sent?: string;
  subject?: string;
  senderIP?: string;
  attachments?: boolean;
  route?: string;
  spamScore?: number;
  detectionLevel?: string;
}

export interface MimecastFile {
  bytes: Buffer;
  /** From Content-Disposition when Mimecast sends it. */
  filename?: string;
  contentType: string;
  requestId?: string;
}
