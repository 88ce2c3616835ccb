// Cofense Vision IOC repository: list, get, last, update (expiry), update many (upsert), delete.
// Every call names its IOC source (X-Cofense-IOC-Source); `source` defaults to the bot's own.
import { z } from 'zod';
import type { RecordData } from '../types.ts';
import { parseSort, problemOf, toVisionDate } from '../../vendors/cofense/params.ts';
import { SORT_FIELDS, THREAT_TYPES, type Ioc, type IocInput, type ThreatType } from '../../vendors/cofense/types.ts';
import { cell, cofense, cofenseAction, date, dryRun, iocId, nowIso, optionalDate, page, pageNote, plural, size, sort, source, table } from './common.ts';

const IOC_COLUMNS: [string, string][] = [
  ['id', 'ID'],
  ['threatType', 'Type'],
  ['threatValue', 'Value'],
  ['threatLevel', 'Level'],
  ['expiresAt', 'Expires'],
  ['expired', 'Expired'],
  ['matches', 'Matches'],
  ['quarantined', 'Quarantined'],
  ['updatedAt', 'Updated'],
];

const sourceMeta = (i: Ioc) => (typeof i.metadata?.source === 'object' && i.metadata.source !== null ? i.metadata.source : undefined);

export function iocRow(i: Ioc) {
  const q = i.metadata?.quarantine;
  const s = sourceMeta(i);
  return {
    id: i.id,
    threatType: cell(i.attributes?.threat_type),
    threatValue: cell(i.attributes?.threat_value),
    threatLevel: cell(s?.threat_level),
    expiresAt: cell(q?.expires_at),
    expired: cell(q?.expired ?? false),
    matches: cell(q?.match_count ?? 0),
    quarantined: cell(q?.quarantine_count ?? 0),
    updatedAt: cell(s?.updated_at),
  };
}

/** "URL https://x.example.net/ (Malicious, expires 2026-01-01..., expired)". */
export function iocText(i: Ioc): string {
  const q = i.metadata?.quarantine;
  const level = sourceMeta(i)?.threat_level;
  const bits = [level, q?.expires_at ? `expires ${q.expires_at}` : undefined, q?.expired ? 'expired' : undefined].filter(Boolean);
  return `${i.attributes?.threat_type ?? 'IOC'} ${i.attributes?.threat_value ?? i.id}${bits.length ? ` (${bits.join(', ')})` : ''}`;
}

export const listIocs = cofenseAction({
  name: 'list-iocs',
  title: 'List IOCs',
  summary: 'Lists the IOCs of one source in the local IOC repository',
  params: z.object({
    source: source(),
    since: optionalDate('since', 'Only IOCs added to the repository after this UTC date'),
    page: page(),
    size: size(),
    sort: sort('iocs', SORT_FIELDS.iocs, 'updatedAt:desc'),
    include_expired: z.boolean().default(false).describe('Whether to include expired IOCs (true) or not (false)'),
  }),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p) {
    const client = cofense(ctx);
    const res = await client.listIocs({
      ...(p.source ? { source: p.source } : {}),
      ...(p.since ? { since: toVisionDate(p.since, 'since') } : {}),
      page: p.page,
      size: p.size,
      sort: parseSort(p.sort, 'iocs'),
      includeExpired: p.include_expired,
    });
    return {
      summary: `${plural(res.items.length, 'IOC')} from source ${p.source ?? client.iocSource}${pageNote(res)}`,
      kind: 'table',
      data: table(IOC_COLUMNS, res.items.map(iocRow), res),
    };
  },
});

export const getIoc = cofenseAction({
  name: 'get-ioc',
  title: 'Get IOC',
  summary: 'Retrieves the IOC identified by its MD5 id',
  params: z.object({ id: iocId('The MD5 id of the IOC'), source: source() }),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p) {
    const ioc = await cofense(ctx).getIoc(p.id, p.source);
    return { summary: `IOC ${ioc.id}: ${iocText(ioc)}`, kind: 'record', data: ioc as RecordData };
  },
});

export const getLastIoc = cofenseAction({
  name: 'get-last-ioc',
  title: 'Get last IOC',
  summary: 'Retrieves the IOC the source updated last (it may be active or expired)',
  params: z.object({ source: source() }),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p) {
    const client = cofense(ctx);
    const ioc = await client.getLastIoc(p.source);
    return { summary: `Last IOC of source ${p.source ?? client.iocSource}: ${ioc.id}, ${iocText(ioc)}`, kind: 'record', data: ioc as RecordData };
  },
});

export const updateIoc = cofenseAction({
  name: 'update-ioc',
  title: 'Update IOC',
  summary: "Sets the expiry of the IOC identified by its MD5 id (a past or present date stops it matching)",
  params: z.object({ id: iocId('The MD5 id of the IOC to update'), expires_at: date('expires_at', 'Expiration date and time of the IOC in UTC') }),
  risk: 'change',
  role: 'responder',
  async run(ctx, p) {
    const expiresAt = toVisionDate(p.expires_at, 'expires_at');
    const ioc = await cofense(ctx).updateIoc(p.id, expiresAt);
    return { summary: `IOC ${ioc.id} now expires ${ioc.metadata?.quarantine?.expires_at ?? expiresAt}`, kind: 'record', data: ioc as RecordData };
  },
});

// ------------------------------------------------------------------ update iocs

const threatType = (v: string): ThreatType | undefined => THREAT_TYPES.find((t) => t === v.trim().toUpperCase());

const iocItem = z.object({
  threat_type: z.string(),
  threat_value: z.string().trim().min(1, 'threat_value is required'),
  threat_level: z.string().trim().min(1, 'threat_level is required'),
  source_id: z.string().trim().min(1, 'source_id is required'),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  requested_expiration: z.string().optional(),
});

const REQUIRED = 'threat_type, threat_value, threat_level and source_id';

/** The IOCs to upsert: every item of iocs_json, or the single one described by the other fields. */
export function iocInputs(p: {
  iocs_json?: string | undefined;
  threat_type?: string | undefined;
  threat_value?: string | undefined;
  threat_level?: string | undefined;
  source_id?: string | undefined;
  created_at?: string | undefined;
  updated_at?: string | undefined;
  requested_expiration?: string | undefined;
}): IocInput[] {
  let items: { raw: unknown; where: string }[];
  if (p.iocs_json !== undefined && p.iocs_json.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(p.iocs_json);
    } catch (err) {
      throw new Error(`iocs_json is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    if (list.length === 0) throw new Error('iocs_json is an empty list');
    items = list.map((raw, i) => ({ raw, where: `iocs_json[${i}]` }));
  } else {
    const single = { threat_type: p.threat_type, threat_value: p.threat_value, threat_level: p.threat_level, source_id: p.source_id };
    if (Object.values(single).some((v) => v === undefined || v.trim() === '')) {
      throw new Error(`give iocs_json, or ${REQUIRED} for a single IOC`);
    }
    items = [{ raw: { ...single, created_at: p.created_at, updated_at: p.updated_at, requested_expiration: p.requested_expiration }, where: 'IOC' }];
  }
  const now = nowIso();
  return items.map(({ raw, where }) => {
    const r = iocItem.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(`${where}: ${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid'} (each IOC needs ${REQUIRED})`);
    }
    const v = r.data;
    const type = threatType(v.threat_type);
    if (!type) throw new Error(`${where}: threat_type "${v.threat_type}" must be one of ${THREAT_TYPES.join(', ')}`);
    const d = (field: 'created_at' | 'updated_at' | 'requested_expiration') => (v[field] ? toVisionDate(v[field] as string, `${where === 'IOC' ? '' : `${where}.`}${field}`) : undefined);
    const requestedExpiration = d('requested_expiration');
    return {
      threatType: type,
      threatValue: v.threat_value,
      threatLevel: v.threat_level,
      sourceId: v.source_id,
      createdAt: d('created_at') ?? now,
      updatedAt: d('updated_at') ?? now,
      ...(requestedExpiration ? { requestedExpiration } : {}),
    };
  });
}

const updateIocsParams = z
  .object({
    source: source(),
    iocs_json: z
      .string()
      .optional()
      .describe(
        'JSON list of IOCs, each {"threat_type","threat_value","threat_level","source_id","created_at"?,"updated_at"?,"requested_expiration"?}; when given, the single-IOC fields are ignored',
      ),
    threat_type: z.enum(THREAT_TYPES).optional().describe(`Type of IOC: ${THREAT_TYPES.join(', ')}`),
    threat_value: z.string().trim().min(1).optional().describe('Actual value of the IOC to match in emails (a URL, domain, sender, subject, MD5 or SHA256)'),
    threat_level: z.string().trim().min(1).optional().describe('The severity of the IOC, e.g. Malicious'),
    source_id: z.string().trim().min(1).optional().describe('Unique identifier the IOC source gives the IOC (e.g. the report or case id)'),
    created_at: optionalDate('created_at', 'When the source first included the IOC (default: now)'),
    updated_at: optionalDate('updated_at', 'When the source last updated the IOC (default: now)'),
    requested_expiration: optionalDate('requested_expiration', 'When the IOC should expire'),
  })
  .superRefine((v, ctx) => {
    const p = problemOf(() => iocInputs(v));
    if (p) ctx.addIssue({ code: 'custom', message: p, path: v.iocs_json ? ['iocs_json'] : [] });
  });

export const updateIocs = cofenseAction({
  name: 'update-iocs',
  title: 'Update IOCs',
  summary: 'Adds or updates one or more IOCs of a source in the local IOC repository (they drive auto-quarantine)',
  params: updateIocsParams,
  risk: 'change',
  role: 'responder',
  async run(ctx, p) {
    const client = cofense(ctx);
    const inputs = iocInputs(p);
    const iocs = await client.updateIocs(inputs, p.source);
    const src = p.source ?? client.iocSource;
    return {
      summary: iocs.length === 1 && iocs[0] ? `Updated 1 IOC for source ${src}: ${iocs[0].id}, ${iocText(iocs[0])}` : `Updated ${plural(iocs.length, 'IOC')} for source ${src}`,
      kind: 'table',
      data: table(IOC_COLUMNS, iocs.map(iocRow)),
    };
  },
});

export const deleteIoc = cofenseAction({
  name: 'delete-ioc',
  title: 'Delete IOC',
  summary: 'Deletes one active or expired IOC of a source from the local IOC repository',
  params: z.object({ id: iocId('The MD5 id of the IOC to delete'), source: source() }),
  risk: 'destructive',
  role: 'responder',
  async run(ctx, p) {
    const client = cofense(ctx);
    const src = p.source ?? client.iocSource;
    if (ctx.dryRun) return dryRun(client, `would delete IOC ${p.id} of source ${src}`, { method: 'DELETE', path: `/iocrepository/v1/iocs/${p.id.toLowerCase()}` });
    const ioc = await client.deleteIoc(p.id, p.source);
    return {
      summary: `Deleted IOC ${p.id.toLowerCase()} of source ${src}${ioc ? `: ${iocText(ioc)}` : ''}`,
      kind: 'record',
      data: (ioc as RecordData | undefined) ?? { id: p.id.toLowerCase(), deleted: true },
    };
  },
});

export const iocActions = [listIocs, getIoc, getLastIoc, updateIoc, updateIocs, deleteIoc];
