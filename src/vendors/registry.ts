// The configured vendor clients, as actions see them. A vendor that is not configured is absent,
// and actions that need it answer "not configured: set ..." with the variables to set.
import type { GraphClient } from './graph/client.ts';
import type { MimecastClient } from './mimecast/client.ts';
import type { CofenseClient } from './cofense/client.ts';
import type { EwsClient } from './ews/client.ts';
import type { ManagementActivityClient } from './management-activity/client.ts';

export interface Vendors {
  graph?: GraphClient;
  mimecast?: MimecastClient;
  cofense?: CofenseClient;
  /** Exchange Server on-prem (EWS_URL): Exchange Online goes through `graph`. */
  ews?: EwsClient;
  /** The reporting mailbox (REPORT_MAILBOX): the sender of reporter notifications, the source of reports. */
  reportMailbox?: string;
  /** Office 365 Management Activity API (M365_* + O365_MANAGEMENT_API_URL), its own token per resource. */
  managementActivity?: ManagementActivityClient;
  /** Policy vendors.ews.impersonation (seed use_impersonation): o365.* EWS calls impersonate the mailbox they act on. */
  ewsImpersonation?: boolean;
}

/** The variables that configure each vendor, for "not configured" messages. */
export const VENDOR_VARIABLES: Record<string, string[]> = {
  graph: ['M365_TENANT_ID', 'M365_CLIENT_ID', 'M365_CLIENT_SECRET or M365_CERTIFICATE_PATH'],
  ews: ['EWS_URL', 'EWS_USERNAME', 'EWS_PASSWORD'],
  mimecast: ['MIMECAST_CLIENT_ID', 'MIMECAST_CLIENT_SECRET (or the four MIMECAST_*_KEY / APP_ID variables of API 1.0)'],
  cofense: ['COFENSE_BASE_URL', 'COFENSE_CLIENT_ID', 'COFENSE_CLIENT_SECRET'],
  'message-trace': ['M365_TENANT_ID', 'M365_CLIENT_ID', 'M365_CLIENT_SECRET or M365_CERTIFICATE_PATH (Graph permission ExchangeMessageTrace.Read.All)'],
  'management-activity': ['M365_TENANT_ID', 'M365_CLIENT_ID', 'M365_CLIENT_SECRET or M365_CERTIFICATE_PATH (Office 365 Management APIs permission ActivityFeed.Read)'],
};

export function notConfigured(vendor: string): string {
  return `${vendor} is not configured: set ${(VENDOR_VARIABLES[vendor] ?? []).join(', ')}`;
}
