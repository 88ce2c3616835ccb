// Graph result types and the lenient response schemas (unknown fields are kept, not rejected).
import { z } from 'zod';

export type RemediationAction = 'softDelete' | 'hardDelete' | 'moveToJunk' | 'moveToInbox' | 'moveToDeletedItems';
export const REMEDIATION_ACTIONS: readonly RemediationAction[] = ['softDelete', 'hardDelete', 'moveToJunk', 'moveToInbox', 'moveToDeletedItems'];
export type RemediationSeverity = 'low' | 'medium' | 'high';

export interface AnalyzedEmailRef {
  networkMessageId: string;
  recipientEmailAddress: string;
}

export interface RemediateRequest {
  /** Shown in the Defender Action Center; also what makes a re-send recognisable as the same remediation. */
  displayName: string;
  description?: string;
  severity: RemediationSeverity;
  action: RemediationAction;
  remediateSendersCopy?: boolean;
  analyzedEmails: AnalyzedEmailRef[];
}

export interface RemediateResult {
  /** The Action Center URL from the Location header (`…/action-center/history?filters=…`). */
  location?: string;
  requestId?: string;
  /** HTTP status: 202 normally, 409 when treated as an already-submitted duplicate (UNVERIFIED behaviour). */
  status: number;
  duplicate: boolean;
}

export interface DeltaMessage {
  id: string;
  internetMessageId?: string;
  subject?: string;
  receivedDateTime?: string;
}

export interface DeltaResult {
  /** Messages created or changed since the last deltaLink (all messages on a full sync). */
  added: DeltaMessage[];
  /** Ids reported as `@removed` (deleted or moved out of the folder). */
  removedIds: string[];
  /** Store this whole URL per folder and pass it to the next call. */
  deltaLink: string;
  /** True when the stored deltaLink was rejected (410 / syncStateNotFound) and a full sync was run. */
  reset: boolean;
  pages: number;
}

/** One page of a message delta (GraphClient.messagesDeltaPage): exactly one of nextLink / deltaLink is set. */
export interface DeltaPage {
  /** Messages created or changed, in the order of the page. */
  added: DeltaMessage[];
  /** Ids reported as `@removed` on this page. */
  removedIds: string[];
  /** The next page of this round: a link that can be requested again to re-read this same page. */
  nextLink?: string;
  /** The end of the round: store it whole and pass it to the next round. */
  deltaLink?: string;
}

/** A change-notification subscription as Graph returns it (clientState is deliberately not kept). */
export interface GraphSubscription {
  id: string;
  resource: string;
  changeType: string;
  expirationDateTime: string;
  notificationUrl?: string;
  lifecycleNotificationUrl?: string;
}

export interface NewSubscription {
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  resource: string;
  expirationDateTime: string;
  /** A random secret echoed in every notification (at most 128 characters). Never logged. */
  clientState: string;
}

export interface MessageTrace {
  id?: string;
  senderAddress?: string;
  recipientAddress?: string;
  messageId?: string;
  receivedDateTime?: string;
  subject?: string;
  size?: number;
  fromIP?: string;
  toIP?: string;
  status?: string;
}

export interface MessageTraceFilter {
  start: Date;
  end: Date;
  /** Internet Message-ID; angle brackets are added when missing. */
  messageId?: string;
  senderAddress?: string;
  recipientAddress?: string;
  status?: string;
  fromIP?: string;
  toIP?: string;
  subject?: { op: 'contains' | 'startsWith' | 'endsWith'; value: string };
  /** Page size, 1..5000 (Graph default 1000). */
  top?: number;
}

export interface MailMessageRef {
  id: string;
  parentFolderId?: string;
  internetMessageId?: string;
}

export interface ConnectionCheck {
  ok: true;
  /** What was checked, for the "test connectivity" card. */
  checks: string[];
}

const nullishString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

export const deltaPageSchema = z.looseObject({
  value: z.array(
    z.looseObject({
      id: z.string(),
      internetMessageId: nullishString,
      subject: nullishString,
      receivedDateTime: nullishString,
      '@removed': z.looseObject({ reason: z.string().optional() }).optional(),
    }),
  ),
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
});

export const subscriptionSchema = z.looseObject({
  id: z.string(),
  resource: z.string(),
  changeType: z.string(),
  expirationDateTime: z.string(),
  notificationUrl: nullishString,
  lifecycleNotificationUrl: nullishString,
});

export const folderSchema = z.looseObject({ id: z.string(), displayName: nullishString, parentFolderId: nullishString });
export const folderListSchema = z.looseObject({ value: z.array(folderSchema), '@odata.nextLink': z.string().optional() });

export const messageListSchema = z.looseObject({
  value: z.array(z.looseObject({ id: z.string(), parentFolderId: nullishString, internetMessageId: nullishString })),
  '@odata.nextLink': z.string().optional(),
});

export const messageSchema = z.looseObject({ id: z.string() });

export const messageTraceListSchema = z.looseObject({
  value: z.array(
    z.looseObject({
      id: nullishString,
      senderAddress: nullishString,
      recipientAddress: nullishString,
      messageId: nullishString,
      receivedDateTime: nullishString,
      subject: nullishString,
      size: z
        .number()
        .nullish()
        .transform((v) => v ?? undefined),
      fromIP: nullishString,
      toIP: nullishString,
      status: nullishString,
    }),
  ),
  '@odata.nextLink': z.string().optional(),
});

export const userListSchema = z.looseObject({ value: z.array(z.looseObject({ id: z.string() })) });
