// Cofense Vision API shapes and limits (shared/reference/mimecast_cofense.md §7–8, seed 003).
// Response schemas are deliberately loose: Vision has no public API spec, so only the fields the
// bot relies on are checked and everything else passes through untouched.
import { z } from 'zod';

/** Spring paging: `page` is 0-based, `size` at most 2000 (§7.2). */
export const DEFAULT_PAGE = 0;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 2000;
/** Create-message-search list fields take at most 3 values each (seed 003). */
export const MAX_SEARCH_VALUES = 3;

/** The header every IOC-repository call carries (§7.4). */
export const IOC_SOURCE_HEADER = 'X-Cofense-IOC-Source';
/** Allowed characters of an IOC source name (the server's 422 says so). */
export const IOC_SOURCE_PATTERN = /^[A-Za-z0-9._~-]+$/;
/** The bot's own IOC source when none is configured. */
export const DEFAULT_IOC_SOURCE = 'hookline';

export const JOB_STATUSES = ['NEW', 'PENDING_APPROVAL', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const THREAT_TYPES = ['DOMAIN', 'MD5', 'SENDER', 'SHA256', 'SUBJECT', 'URL'] as const;
export type ThreatType = (typeof THREAT_TYPES)[number];

export const MATCH_CRITERIA = ['ANY', 'ALL'] as const;
export type MatchCriteria = (typeof MATCH_CRITERIA)[number];

export const HASH_TYPES = ['MD5', 'SHA256'] as const;
export type HashType = (typeof HASH_TYPES)[number];

/** Sortable properties per list endpoint (SP-CV VISION_SUPPORTED_SORT_FIELDS). */
export const SORT_FIELDS = {
  quarantineJobs: ['id', 'createdBy', 'createdDate', 'modifiedBy', 'modifiedDate', 'stopRequested'],
  searches: ['id', 'createdBy', 'createdDate', 'modifiedBy', 'modifiedDate', 'receivedAfterDate', 'receivedBeforeDate'],
  searchResults: ['id', 'subject', 'createdOn', 'sentOn', 'processedOn', 'htmlBody', 'md5', 'sha1', 'sha256'],
  iocs: ['updatedAt'],
} as const satisfies Record<string, readonly string[]>;
export type SortTarget = keyof typeof SORT_FIELDS;

export interface SortSpec {
  field: string;
  direction?: 'asc' | 'desc';
}

export interface PageRequest {
  /** 0-based page (default 0). */
  page?: number;
  /** Items per page, 1..2000 (default 50). */
  size?: number;
  /** Sent as repeated `sort=field,dir` query parameters. */
  sort?: readonly SortSpec[];
}

export interface Page<T> {
  items: T[];
  page: number;
  size: number;
  /** Spring's totalElements when the server sends it (not seen in public fixtures). */
  total?: number;
  /** Another page probably exists: a full page came back (or total says so). */
  hasMore: boolean;
}

// ------------------------------------------------------------------ messages

export interface Address {
  id?: number;
  personal?: string | null;
  address: string;
  recipientType?: string;
}

export interface Attachment {
  id?: number;
  filename?: string | null;
  contentType?: string | null;
  detectedContentType?: string | null;
  md5?: string;
  sha256?: string;
  size?: number;
}

export interface MessageMetadata {
  id: number;
  subject?: string | null;
  receivedOn?: string | null;
  sentOn?: string | null;
  deliveredOn?: string | null;
  processedOn?: string | null;
  textBody?: string | null;
  htmlBody?: string | null;
  md5?: string;
  sha1?: string;
  sha256?: string;
  internetMessageId?: string;
  from?: Address[];
  recipients?: Address[];
  headers?: { name: string; value: string }[];
  attachments?: Attachment[];
  matchingIOCs?: string[];
  matchingSources?: string[];
  [key: string]: unknown;
}

// ------------------------------------------------------------------ quarantine jobs

export interface QuarantineEmail {
  id?: number;
  recipientAddress: string;
  internetMessageId: string;
  ewsMessageId?: string | null;
  status?: string;
  errorMessage?: string | null;
  createdDate?: string | null;
  quarantinedDate?: string | null;
  originalFolderId?: string | null;
}

export interface QuarantineJobRun {
  id?: number;
  jobRunType?: string;
  status?: string;
  startedDate?: string | null;
  completedDate?: string | null;
  total?: number;
  error?: number;
}

export interface QuarantineJob {
  id: number;
  createdBy?: string;
  createdDate?: string;
  modifiedBy?: string;
  modifiedDate?: string;
  stopRequested?: boolean;
  emailCount?: number;
  autoQuarantine?: boolean;
  searchId?: number | null;
  matchingIOCs?: string[];
  matchingSources?: string[];
  matchingIocInfo?: unknown[];
  quarantineEmails?: QuarantineEmail[];
  quarantineJobRuns?: QuarantineJobRun[];
  [key: string]: unknown;
}

export interface QuarantineJobFilter {
  autoQuarantine?: boolean;
  iocs?: string[];
  sources?: string[];
  includeStatus?: JobStatus[];
  excludeStatus?: JobStatus[];
  /** ISO-8601 (UTC). */
  modifiedDateAfter?: string;
}

export interface QuarantineEmailRef {
  recipientAddress: string;
  internetMessageId: string;
}

// ------------------------------------------------------------------ searches

export interface SearchCriteria {
  subjects?: string[];
  senders?: string[];
  attachmentNames?: string[];
  attachmentHashCriteria?: { type: MatchCriteria; attachmentHashes: { hashType: HashType; hashString: string }[] };
  attachmentMimeTypes?: string[];
  attachmentExcludeMimeTypes?: string[];
  domainCriteria?: { type: MatchCriteria; domains: string[]; whiteListUrls?: string[] };
  headers?: { key: string; values: string[] }[];
  internetMessageId?: string;
  partialIngest?: boolean;
  receivedAfterDate?: string;
  receivedBeforeDate?: string;
  recipient?: string;
  url?: string;
}

export interface MessageSearch extends Omit<SearchCriteria, 'recipient' | 'url' | 'internetMessageId' | 'partialIngest' | 'receivedAfterDate' | 'receivedBeforeDate'> {
  id: number;
  createdBy?: string;
  createdDate?: string;
  modifiedBy?: string;
  modifiedDate?: string;
  recipient?: string | null;
  url?: string | null;
  internetMessageId?: string | null;
  partialIngest?: boolean | null;
  receivedAfterDate?: string | null;
  receivedBeforeDate?: string | null;
  [key: string]: unknown;
}

export interface SearchResults {
  search?: MessageSearch;
  page: Page<MessageMetadata>;
}

// ------------------------------------------------------------------ IOCs

export interface Ioc {
  id: string;
  type?: string;
  attributes?: { threat_type?: string; threat_value?: string };
  metadata?: {
    source?: { id?: string; threat_level?: string; created_at?: string; updated_at?: string; requested_expiration?: string | null } | string | null;
    quarantine?: {
      source_names?: string[];
      created_at?: string | null;
      expires_at?: string | null;
      expired?: boolean;
      first_quarantined_at?: string | null;
      last_quarantined_at?: string | null;
      match_count?: number;
      quarantine_count?: number;
      wildcard?: boolean;
    };
  };
  [key: string]: unknown;
}

/** One IOC to upsert with PUT /iocrepository/v1/iocs (dates ISO-8601 UTC). */
export interface IocInput {
  threatType: ThreatType;
  threatValue: string;
  threatLevel: string;
  sourceId: string;
  createdAt: string;
  updatedAt: string;
  requestedExpiration?: string;
}

export interface IocListOptions extends PageRequest {
  since?: string;
  includeExpired?: boolean;
}

// ------------------------------------------------------------------ misc

export interface DownloadedFile {
  bytes: Buffer;
  contentType: string;
  /** From Content-Disposition when the server names the file. */
  filename?: string;
}

export interface HealthStatus {
  status: string;
  [key: string]: unknown;
}

// ------------------------------------------------------------------ response schemas (loose)

const looseId = z.looseObject({ id: z.number() });
export const healthSchema = z.looseObject({ status: z.string() });
export const tokenSchema = z.looseObject({ access_token: z.string().min(1), expires_in: z.number().optional() });
export const messageSchema = looseId;
export const jobSchema = looseId;
export const jobListSchema = z.looseObject({ quarantineJobs: z.array(jobSchema) });
export const searchSchema = looseId;
export const searchListSchema = z.looseObject({ searches: z.array(searchSchema) });
export const searchResultsSchema = z.looseObject({ messages: z.array(messageSchema), search: searchSchema.optional() });
export const iocSchema = z.looseObject({ id: z.string() });
export const iocOneSchema = z.looseObject({ data: iocSchema });
export const iocListSchema = z.looseObject({ data: z.array(iocSchema) });
export const headersSchema = z.looseObject({ headers: z.array(z.string()) });
