// The policy half of the configuration (shared/DESIGN.md §5): who may do what (roles, four-eyes),
// where and when things are posted (alerts, digest, SLA), what the three buttons do (playbooks),
// and how mail is ingested. One file, YAML or JSON, validated strictly: an unknown key is an
// error, because a misspelt key would otherwise silently leave a safety setting at its default.
//
// Without a policy file the built-in default denies everything: no role has members, so nobody
// can run change or destructive actions until an admin names people in the file.
import { validateDetailed as validateCron } from 'node-cron';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { Risk, Role } from '../actions/types.ts';
import type { Actor, DecisionAction } from '../store/types.ts';
import { redactText } from '../log/redact.ts';
import { recordTypeNumber } from '../vendors/management-activity/record-types.ts';
import type { ConfigProblem } from './errors.ts';
import {
  EXPECT_ENTRA_ID,
  EXPECT_SLACK_CHANNEL,
  EXPECT_SLACK_GROUP,
  EXPECT_SLACK_USER,
  EXPECT_TEAMS_CONVERSATION,
  GUID,
  SLACK_CHANNEL_ID,
  SLACK_GROUP_ID,
  SLACK_USER_ID,
  TEAMS_CONVERSATION_ID,
  closest,
  showValue,
} from './formats.ts';

// ---------------------------------------------------------------------------------------------
// Building blocks with messages that say what is expected.

const bool = (def: boolean) => z.boolean({ error: 'expected true or false' }).default(def);

const int = (min: number, max: number) => {
  const error = `expected a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `expected one of ${values.join(', ')}` });

const list = <T extends z.ZodType>(item: T) => z.array(item, { error: 'expected a list' });

const section = <S extends z.ZodRawShape>(shape: S) => z.strictObject(shape, { error: 'expected a mapping (key: value)' });

const text = (max: number) => z.string({ error: 'expected text' }).min(1, { error: 'expected non-empty text' }).max(max, { error: `expected at most ${max} characters` });

const pattern = (re: RegExp, error: string) => z.string({ error }).regex(re, { error });

const slackUser = pattern(SLACK_USER_ID, EXPECT_SLACK_USER);
const slackGroup = pattern(SLACK_GROUP_ID, EXPECT_SLACK_GROUP);
const slackChannel = pattern(SLACK_CHANNEL_ID, EXPECT_SLACK_CHANNEL);
const teamsConversation = pattern(TEAMS_CONVERSATION_ID, EXPECT_TEAMS_CONVERSATION);
/** Entra object ids compare case-insensitively: stored lower-case. */
const entraId = pattern(GUID, EXPECT_ENTRA_ID).transform((s) => s.toLowerCase());

/** An audit record type: a number (29) or a known name (MailSubmission), kept as written. */
const recordType = z
  .union([z.string({ error: 'expected a record type number or name' }), z.number({ error: 'expected a record type number or name' })])
  .transform((v) => String(v).trim())
  .refine((v) => recordTypeNumber(v) !== undefined, { error: 'expected a record type number (e.g. 29) or a known name (e.g. MailSubmission)' });

const cron = (def: string) =>
  z
    .string({ error: 'expected a cron expression like "*/5 * * * *"' })
    .superRefine((expr, ctx) => {
      const r = validateCron(expr);
      if (!r.valid) {
        const why = r.errors.map((e) => e.message).join('; ');
        ctx.addIssue({ code: 'custom', message: `expected a cron expression like "*/5 * * * *" (minute hour day-of-month month day-of-week)${why ? `: ${why}` : ''}` });
      }
    })
    .default(def);

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Roles.

export const ROLES = ['viewer', 'analyst', 'responder', 'admin'] as const satisfies readonly Role[];

const members = section({
  slack: section({ users: list(slackUser).default([]), groups: list(slackGroup).default([]) }).prefault({}),
  teams: section({ users: list(entraId).default([]), groups: list(entraId).default([]) }).prefault({}),
  /** The sandbox console's users (src/sandbox/boot.ts); the console runs only in the sandbox. */
  console: section({ users: list(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a console user id like sam')).default([]), groups: list(z.string()).max(0, 'console users have no groups').default([]) }).optional(),
}).prefault({});

// ---------------------------------------------------------------------------------------------
// Playbooks: what each button calls, in order. Every step a deployment may name is declared here
// with its options, so a misspelt step or option is an error rather than a skipped call.

export const REMEDIATE_ACTIONS = ['softDelete', 'hardDelete', 'moveToJunk', 'moveToInbox', 'moveToDeletedItems'] as const;

const onError = oneOf(['continue', 'stop']).default('continue');

const stepOf = <const V extends string, const S extends string, O extends z.ZodRawShape>(vendor: V, step: S, options: O) =>
  section({ vendor: z.literal(vendor), step: z.literal(step), onError, ...options });

export const PLAYBOOK_STEPS = {
  graph: {
    /** Defender for Office 365 remediation of every recipient's copy (analyzedEmails/remediate). */
    remediate: stepOf('graph', 'remediate', {
      action: oneOf(REMEDIATE_ACTIONS),
      severity: oneOf(['low', 'medium', 'high']).default('high'),
      remediateSendersCopy: bool(false),
    }),
    /** Tell the person who reported it the outcome, from the reporting mailbox. */
    'notify-reporter': stepOf('graph', 'notify-reporter', { message: text(2000).optional() }),
  },
  ews: {
    /** MoveItem in every recipient's mailbox (distinguished folder id or folder path). */
    move: stepOf('ews', 'move', { folder: text(200).default('deleteditems') }),
    delete: stepOf('ews', 'delete', { deleteType: oneOf(['SoftDelete', 'HardDelete', 'MoveToDeletedItems']).default('MoveToDeletedItems') }),
    'mark-as-junk': stepOf('ews', 'mark-as-junk', { moveItem: bool(true) }),
  },
  mimecast: {
    /** Release the message from the hold queue. */
    'release-message': stepOf('mimecast', 'release-message', {}),
    /** A remediation incident removing the message from mailboxes. */
    remediate: stepOf('mimecast', 'remediate', { reason: text(500).optional() }),
    /** A blocked-sender policy for the sender's address or domain. */
    'block-sender': stepOf('mimecast', 'block-sender', { match: oneOf(['address', 'domain']).default('address') }),
    'permit-or-block-sender': stepOf('mimecast', 'permit-or-block-sender', { action: oneOf(['block', 'permit']) }),
    /** A managed URL entry blocking the URLs of the message. */
    'block-url': stepOf('mimecast', 'block-url', { matchType: oneOf(['explicit', 'domain']).default('explicit') }),
  },
  cofense: {
    quarantine: stepOf('cofense', 'quarantine', {}),
    restore: stepOf('cofense', 'restore', {}),
    'update-ioc': stepOf('cofense', 'update-ioc', {
      source: text(100).default('Hookline'),
      threatLevel: text(50).optional(),
      expiresInDays: int(1, 3650).optional(),
    }),
  },
} as const;

export type PlaybookVendor = keyof typeof PLAYBOOK_STEPS;
type StepsOf<V extends PlaybookVendor> = (typeof PLAYBOOK_STEPS)[V];
/** One configured playbook step, e.g. `{ vendor: 'graph', step: 'remediate', action: 'softDelete', ... }`. */
export type PlaybookStepConfig = { [V in PlaybookVendor]: { [S in keyof StepsOf<V>]: z.output<StepsOf<V>[S]> }[keyof StepsOf<V>] }[PlaybookVendor];

const STEP_TABLE = PLAYBOOK_STEPS as unknown as Record<string, Record<string, z.ZodObject>>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dispatch on vendor, then step, so errors name the right options instead of "no union member matched". */
const playbookStep = z.unknown().transform((input, ctx): PlaybookStepConfig => {
  if (!isRecord(input)) {
    ctx.addIssue({ code: 'custom', message: 'expected a step like { vendor: graph, step: remediate, action: softDelete }' });
    return z.NEVER;
  }
  const vendors = Object.keys(STEP_TABLE);
  const steps = typeof input.vendor === 'string' ? STEP_TABLE[input.vendor] : undefined;
  if (!steps) {
    ctx.addIssue({ code: 'custom', path: ['vendor'], message: `expected one of ${vendors.join(', ')}` });
    return z.NEVER;
  }
  const schema = typeof input.step === 'string' ? steps[input.step] : undefined;
  if (!schema) {
    ctx.addIssue({ code: 'custom', path: ['step'], message: `expected one of the ${String(input.vendor)} steps: ${Object.keys(steps).join(', ')}` });
    return z.NEVER;
  }
  const r = schema.safeParse(input);
  if (!r.success) {
    for (const issue of r.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) ctx.addIssue({ code: 'custom', path: [...issue.path, key], message: unknownKeyMessage(key, Object.keys(schema.shape)), params: { unknownKey: true } });
      } else {
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      }
    }
    return z.NEVER;
  }
  return r.data as PlaybookStepConfig;
});

const playbook = list(playbookStep);

/** Quarantine and Block must not put mail back. */
const noRelease = (button: string) => (steps: PlaybookStepConfig[], ctx: z.RefinementCtx) =>
  steps.forEach((s, i) => {
    if (s.vendor === 'graph' && s.step === 'remediate' && s.action === 'moveToInbox') {
      ctx.addIssue({ code: 'custom', path: [i, 'action'], message: `moveToInbox releases mail and does not belong to ${button}` });
    }
  });

// ---------------------------------------------------------------------------------------------
// The policy file.

export const policySchema = section({
  /** Format version of this file. */
  version: z.literal(1, { error: 'expected 1 (the only policy format so far)' }).default(1),
  /** IANA time zone for every schedule below. */
  timezone: z.string({ error: 'expected an IANA time zone like Europe/Berlin or UTC' }).refine(isTimeZone, { error: 'expected an IANA time zone like Europe/Berlin or UTC' }).default('UTC'),

  /** Members of each role; admin ⊃ responder ⊃ analyst ⊃ viewer. Empty: nobody. */
  roles: section({ viewer: members, analyst: members, responder: members, admin: members }).prefault({}),

  /** Actions of these risks need a second, different person to approve before they run. */
  fourEyes: section({
    risks: list(oneOf(['change', 'destructive'])).default(['destructive']),
    /** The second approver needs at least this role. */
    approverRole: oneOf(['responder', 'admin']).default('responder'),
    /** A request nobody approves within this time expires. */
    expiryMinutes: int(1, 7 * 24 * 60).default(60),
  }).prefault({}),

  /** Posting new reports and campaigns. Channels override SLACK_ALERT_CHANNEL / TEAMS_ALERT_CONVERSATION. */
  alerts: section({
    schedule: cron('* * * * *'),
    slackChannel: slackChannel.optional(),
    teamsConversation: teamsConversation.optional(),
  }).prefault({}),

  /** A summary of open reports and decisions; channels default to the alert channels. */
  digest: section({
    enabled: bool(true),
    schedule: cron('0 9 * * 1-5'),
    slackChannel: slackChannel.optional(),
    teamsConversation: teamsConversation.optional(),
  }).prefault({}),

  /** A report nobody decided within `minutes` is escalated, mentioning the on-call group. 0: off. */
  sla: section({
    minutes: int(0, 7 * 24 * 60).default(60),
    schedule: cron('*/5 * * * *'),
    slackGroup: slackGroup.optional(),
    teamsGroup: entraId.optional(),
  }).prefault({}),

  /** How long after a decision its Undo button stays. 0: no undo. */
  undoWindowMinutes: int(0, 24 * 60).default(15),

  /** What each button calls, in order. Empty: the defaults for the configured vendors. */
  playbooks: section({
    approve: playbook.superRefine((steps, ctx) =>
      steps.forEach((s, i) => {
        if (s.vendor === 'graph' && s.step === 'remediate' && s.action !== 'moveToInbox') {
          ctx.addIssue({ code: 'custom', path: [i, 'action'], message: 'Approve releases mail: only moveToInbox belongs here' });
        }
      }),
    ).default([]),
    quarantine: playbook.superRefine(noRelease('quarantine')).default([]),
    block: playbook.superRefine(noRelease('block')).default([]),
  }).prefault({}),

  /**
   * Polling the reporting mailbox (seed: EWS for Office 365 "on poll"). Seed names:
   * first_run_max_emails = maxFirstRun, max_containers = maxPerPoll, ingest_manner = order,
   * extract_urls = extractUrls, extract_ips = extractIps, extract_domains = extractDomains,
   * extract_hashes = extractHashes, extract_attachments = extractAttachments,
   * extract_eml = extractEml, add_body_to_header_artifacts = addBodyToHeaderArtifacts.
   */
  ingest: section({
    schedule: cron('* * * * *'),
    maxFirstRun: int(1, 10_000).default(50),
    maxPerPoll: int(1, 10_000).default(100),
    order: oneOf(['oldest-first', 'latest-first']).default('oldest-first'),
    extractUrls: bool(true),
    extractIps: bool(true),
    extractDomains: bool(true),
    extractHashes: bool(true),
    extractAttachments: bool(true),
    extractEml: bool(true),
    addBodyToHeaderArtifacts: bool(true),
    /** Office 365 Management Activity API as a source. No content types: off. */
    managementActivity: section({
      contentTypes: list(oneOf(['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General', 'DLP.All'])).default([]),
      /** Numbers or names (seed 004: "set with numerical values", e.g. 29 for MailSubmission). */
      recordTypes: list(recordType).default([]),
      workloads: list(text(100)).default([]),
      operations: list(text(100)).default([]),
      /** How far back the first fetch reaches (the API keeps 7 days). */
      firstFetchMinutes: int(1, 7 * 24 * 60).default(60),
      schedule: cron('*/5 * * * *'),
      /** Seed 004/002 "Maximum number of events per fetch": new records stored per tick at most. */
      maxEventsPerFetch: int(1, 100_000).default(1000),
    }).prefault({}),
    /** Graph message trace rows fetched into the store on a schedule (seed 002 "Fetch events"). Off by default. */
    messageTrace: section({
      enabled: bool(false),
      schedule: cron('*/5 * * * *'),
      /** Seed 002 "Maximum number of events per fetch". */
      maxEventsPerFetch: int(1, 100_000).default(1000),
      /** How far back the first fetch reaches (message trace keeps 90 days). */
      firstFetchMinutes: int(1, 90 * 24 * 60).default(60),
    }).prefault({}),
  }).prefault({}),

  /** Vendor behaviour that is policy rather than credentials. */
  vendors: section({
    ews: section({
      /** Act on other users' mailboxes through ExchangeImpersonation (seed: use_impersonation). */
      impersonation: bool(true),
    }).prefault({}),
  }).prefault({}),

  limits: section({
    /** Per vendor request (seed: timeout, default 60 seconds). */
    httpTimeoutSeconds: int(1, 600).default(60),
    /** A quarantine or block that would touch more mailboxes is refused. */
    maxRecipientsPerAction: int(1, 100_000).default(1000),
    /** Rows of a result table shown in chat (the rest is summarised). */
    maxTableRows: int(1, 500).default(50),
  }).prefault({}),
});

export type Policy = z.output<typeof policySchema>;
export type RoleMembers = Policy['roles']['admin'];

/** The built-in policy: deny by default (no role has members). */
export function defaultPolicy(): Policy {
  return policySchema.parse({});
}

// ---------------------------------------------------------------------------------------------
// Roles of an actor.

/**
 * The roles an actor holds, including the ones implied by the hierarchy (an admin is also
 * responder, analyst and viewer). Slack: `actor.id` is the member id (U...), `groups` the user-group
 * ids (S...). Teams: `actor.id` is the Entra object id (activity.from.aadObjectId), `groups` Entra
 * group ids. Other platforms get no role from the policy file.
 */
export function rolesOf(policy: Policy, actor: Pick<Actor, 'platform' | 'id' | 'groups'>): Set<Role> {
  const platform = actor.platform;
  // The console (sandbox only) names its users in roles.*.console.users.
  if (platform !== 'slack' && platform !== 'teams' && platform !== 'console') return new Set();
  const norm = platform === 'teams' ? (s: string) => s.toLowerCase() : (s: string) => s;
  const id = norm(actor.id);
  const groups = new Set((actor.groups ?? []).map(norm));
  let highest = -1;
  ROLES.forEach((role, i) => {
    const m = policy.roles[role][platform];
    if (!m) return;
    if ((id && m.users.includes(id)) || m.groups.some((g) => groups.has(g))) highest = i;
  });
  return new Set(ROLES.slice(0, highest + 1));
}

export function hasRole(policy: Policy, actor: Pick<Actor, 'platform' | 'id' | 'groups'>, role: Role): boolean {
  return rolesOf(policy, actor).has(role);
}

/** Whether an action of this risk waits for a second approver under this policy. */
export function needsSecondApprover(policy: Policy, risk: Risk): boolean {
  return (policy.fourEyes.risks as readonly Risk[]).includes(risk);
}

// ---------------------------------------------------------------------------------------------
// Playbooks in effect.

const step = <V extends PlaybookVendor, S extends keyof StepsOf<V> & string>(vendor: V, name: S, options: Record<string, unknown> = {}): PlaybookStepConfig =>
  STEP_TABLE[vendor]![name]!.parse({ vendor, step: name, ...options }) as PlaybookStepConfig;

/** DESIGN §4: what each button calls when the policy names no steps, for every vendor present. */
export function defaultPlaybooks(): Record<DecisionAction, PlaybookStepConfig[]> {
  return {
    approve: [step('mimecast', 'release-message'), step('cofense', 'restore'), step('graph', 'remediate', { action: 'moveToInbox' }), step('graph', 'notify-reporter')],
    quarantine: [step('graph', 'remediate', { action: 'softDelete' }), step('cofense', 'quarantine'), step('mimecast', 'remediate'), step('ews', 'move', { folder: 'deleteditems' })],
    block: [step('mimecast', 'block-sender'), step('mimecast', 'block-url'), step('cofense', 'update-ioc'), step('ews', 'mark-as-junk')],
  };
}

/**
 * The steps a button runs: the policy's list when it names any, else the defaults for the vendors
 * that are configured. (loadConfig already refused policy steps for unconfigured vendors.)
 */
export function effectivePlaybook(
  policy: Policy,
  button: DecisionAction,
  configured: Iterable<PlaybookVendor>,
): { steps: PlaybookStepConfig[]; source: 'policy' | 'default' } {
  const own = policy.playbooks[button];
  if (own.length) return { steps: own, source: 'policy' };
  const have = new Set(configured);
  return { steps: defaultPlaybooks()[button].filter((s) => have.has(s.vendor)), source: 'default' };
}

// ---------------------------------------------------------------------------------------------
// Parsing a policy document into problems an operator can act on.

export function unknownKeyMessage(key: string, expected: readonly string[]): string {
  const guess = closest(key, expected, 3);
  return `unknown key${guess ? `; did you mean ${guess}?` : ''} (expected one of: ${expected.join(', ')})`;
}

/** `roles.responder.slack.users[0]` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let v = doc;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function describeGot(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return ', got nothing';
  if (typeof v === 'string') return `, got ${showValue(redactText(v))}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `, got ${String(v)}`;
  if (Array.isArray(v)) return ', got a list';
  return ', got a mapping';
}

type LooseDef = { type?: string; innerType?: unknown; in?: unknown; shape?: Record<string, unknown>; element?: unknown };
const defOf = (s: unknown): LooseDef | undefined => (s as { _zod?: { def?: LooseDef } } | undefined)?._zod?.def;

/** The keys an object schema accepts at `path` (for "did you mean" on unknown keys). */
function keysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  let s = schema;
  const unwrap = (): void => {
    for (let d = defOf(s); d; d = defOf(s)) {
      if (d.type === 'pipe') s = d.in;
      else if (d.innerType !== undefined) s = d.innerType;
      else return;
    }
  };
  unwrap();
  for (const seg of path) {
    const d = defOf(s);
    if (d?.type === 'object') s = d.shape?.[String(seg)];
    else if (d?.type === 'array') s = d.element;
    else return [];
    unwrap();
  }
  const d = defOf(s);
  return d?.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}

/** YAML `key:` with nothing after it means "the default", as if the key were absent. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isRecord(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) if (val !== null) out[k] = dropNulls(val);
  return out;
}

/** Validate a parsed policy document. `label` prefixes every key (`policy.yaml`). */
export function validatePolicy(input: unknown, label: string): { policy?: Policy; problems: ConfigProblem[] } {
  const doc = input === null || input === undefined ? {} : dropNulls(input);
  const r = policySchema.safeParse(doc);
  if (r.success) return { policy: r.data, problems: [] };
  const problems: ConfigProblem[] = [];
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const expected = keysAt(policySchema, issue.path);
      for (const key of issue.keys) problems.push({ key: `${label} ${formatPath([...issue.path, key])}`.trim(), message: unknownKeyMessage(key, expected) });
      continue;
    }
    const where = `${label} ${formatPath(issue.path)}`.trim();
    if (issue.code === 'custom' && issue.params?.unknownKey) {
      problems.push({ key: where, message: issue.message });
      continue;
    }
    const value = valueAt(doc, issue.path);
    problems.push({ key: where, message: value === undefined ? `required: ${issue.message}` : `${issue.message}${describeGot(value)}` });
  }
  return { problems };
}

/** Parse policy text by file extension (.yaml/.yml or .json) and validate it. */
export function parsePolicyText(text: string, fileName: string, label = fileName): { policy?: Policy; problems: ConfigProblem[] } {
  let data: unknown;
  if (/\.json$/i.test(fileName)) {
    try {
      data = JSON.parse(text);
    } catch (err) {
      return { problems: [{ key: label, message: `not valid JSON: ${(err as Error).message}` }] };
    }
  } else if (/\.ya?ml$/i.test(fileName)) {
    const parsed = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (parsed.errors.length) {
      return { problems: parsed.errors.map((e) => ({ key: label, message: `not valid YAML: ${e.message.split('\n')[0]}` })) };
    }
    data = parsed.toJS();
  } else {
    return { problems: [{ key: label, message: 'expected a .yaml, .yml or .json file' }] };
  }
  if (data !== null && data !== undefined && !isRecord(data)) {
    return { problems: [{ key: label, message: 'expected a mapping of policy sections (roles, fourEyes, alerts, ...) at the top level' }] };
  }
  return validatePolicy(data, label);
}
