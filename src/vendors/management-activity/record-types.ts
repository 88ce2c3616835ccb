// Office 365 audit record types (AuditLogRecordType) by number, for filters that may be written
// either way ("29" or "MailSubmission"; seed 004: "Record types to fetch from should be set with
// numerical values ... MailSubmission = 29"). Source: office-365-management-activity-api-schema.md,
// quoted in shared/reference/microsoft.md §4. Unknown numbers are accepted as numbers.

export const RECORD_TYPES: Readonly<Record<string, number>> = {
  ExchangeAdmin: 1,
  ExchangeItem: 2,
  ExchangeItemGroup: 3,
  SharePoint: 4,
  SharePointFileOperation: 6,
  AzureActiveDirectory: 8,
  AzureActiveDirectoryAccountLogon: 9,
  DataCenterSecurityCmdlet: 10,
  ComplianceDLPSharePoint: 11,
  ComplianceDLPExchange: 13,
  SharePointSharingOperation: 14,
  AzureActiveDirectoryStsLogon: 15,
  SecurityComplianceCenterEOPCmdlet: 18,
  ExchangeAggregatedOperation: 19,
  PowerBIAudit: 20,
  MicrosoftTeams: 25,
  ThreatIntelligence: 28,
  MailSubmission: 29,
  MicrosoftFlow: 30,
  AeD: 31,
  MicrosoftStream: 32,
  Project: 35,
  SharePointListOperation: 36,
  ThreatIntelligenceUrl: 41,
  SecurityComplianceAlerts: 40,
  ThreatIntelligenceAtpContent: 47,
  ExchangeItemAggregated: 50,
  HygieneEvent: 51,
  AirInvestigation: 64,
  Quarantine: 65,
  MicrosoftForms: 66,
  AttackSim: 85,
  AirManualInvestigation: 86,
  AirAdminActionInvestigation: 89,
};

const BY_NUMBER = new Map(Object.entries(RECORD_TYPES).map(([name, n]) => [n, name]));
const BY_LOWER = new Map(Object.entries(RECORD_TYPES).map(([name, n]) => [name.toLowerCase(), n]));

/** MailSubmission: user and admin submissions (reported phish), linked to reports by Internet Message-ID. */
export const MAIL_SUBMISSION = 29;

/** "29" or "MailSubmission" -> 29; undefined for a name we do not know. */
export function recordTypeNumber(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s);
  return BY_LOWER.get(s.toLowerCase());
}

export function recordTypeName(n: number): string | undefined {
  return BY_NUMBER.get(n);
}
