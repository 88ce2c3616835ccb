// The seed 000 parameter conventions that shape EWS calls, as pure functions the o365.* actions
// use: the `range` of run query ("min_offset-max_offset", applied per folder, default 0-10) and
// who to impersonate (email / impersonate_email / dont_impersonate, and the asset-wide switch).

export interface ItemRange {
  offset: number;
  /** How many items at most (max_offset - min_offset + 1). */
  limit: number;
}

/** Seed default: "If the range parameter is not specified by default the action will use 0-10". */
export const DEFAULT_RANGE: ItemRange = { offset: 0, limit: 11 };
/** One FindItem page at most; EWS servers cap views (EWSFindCountLimit) around 1000. */
export const MAX_RANGE_ITEMS = 1000;

/** `"0-9"` -> { offset: 0, limit: 10 }. Throws with a clear message on anything else. */
export function parseRange(range: string | undefined): ItemRange {
  if (range === undefined || range.trim() === '') return DEFAULT_RANGE;
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(range);
  if (!m) throw new Error(`range must look like min_offset-max_offset, e.g. 0-9 (got ${JSON.stringify(range)})`);
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (max < min) throw new Error(`range ${range.trim()}: max_offset must not be below min_offset`);
  const limit = max - min + 1;
  if (limit > MAX_RANGE_ITEMS) throw new Error(`range ${range.trim()} asks for ${limit} items per folder; at most ${MAX_RANGE_ITEMS}`);
  return { offset: min, limit };
}

export interface ImpersonationParams {
  /** The mailbox the action works on (seed `email`). */
  email?: string;
  /** Someone else to impersonate, e.g. one with access to both mailboxes of a cross-mailbox copy (seed `impersonate_email`). */
  impersonateEmail?: string;
  /** Turn impersonation off for this call, whatever the deployment says (seed `dont_impersonate`). */
  dontImpersonate?: boolean;
}

/**
 * The SMTP address to impersonate for one call, or undefined for none. `useImpersonation` is the
 * deployment's switch (seed asset `use_impersonation`; required for OAuth app-only access).
 */
export function impersonationFor(p: ImpersonationParams, useImpersonation: boolean): string | undefined {
  if (p.dontImpersonate) return undefined;
  const explicit = p.impersonateEmail?.trim();
  if (explicit) return explicit;
  const email = p.email?.trim();
  return useImpersonation && email ? email : undefined;
}
