// o365.test-connectivity (seed 000 "test connectivity"): proves URL, credentials and rights by
// reading the reporting mailbox's Inbox, on every configured backend (or the one asked for).
import { z } from 'zod';
import type { ActionContext, ActionResult } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import { backendParam, o365Action, o365NotConfigured, pickBackend, type Backend } from './common.ts';

interface BackendCheck {
  backend: Backend;
  ok: boolean;
  detail: string;
}

async function check(ctx: ActionContext<Vendors>, backend: Backend): Promise<BackendCheck> {
  const b = pickBackend(ctx, backend);
  const mailbox = ctx.vendors.reportMailbox;
  try {
    if (b.kind === 'graph') {
      const r = await b.graph.testConnection(mailbox);
      return { backend, ok: true, detail: `Microsoft Graph: token and ${r.checks.filter((c) => c !== 'token').join(', ') || 'directory'} readable` };
    }
    const impersonate = mailbox && (ctx.vendors.ewsImpersonation ?? true) ? mailbox : undefined;
    const r = await b.ews.testConnectivity(mailbox, impersonate ? { impersonate } : {});
    const v = r.serverVersion;
    return {
      backend,
      ok: true,
      detail: `EWS: Inbox${mailbox ? ` of ${mailbox}` : ''} readable (${r.folder.totalCount ?? '?'} items)${v ? `, Exchange ${v.majorVersion ?? ''}.${v.minorVersion ?? ''} build ${v.majorBuildNumber ?? ''}.${v.minorBuildNumber ?? ''}` : ''}`,
    };
  } catch (err) {
    return { backend, ok: false, detail: `${backend === 'graph' ? 'Microsoft Graph' : 'EWS'}: ${(err as Error).message}` };
  }
}

export const testConnectivity = o365Action({
  name: 'test-connectivity',
  title: 'Test connectivity',
  summary: 'Validates the Exchange connection (Graph for Exchange Online, EWS for Exchange Server) by reading the reporting mailbox',
  params: z.object({ backend: backendParam() }),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p): Promise<ActionResult<{ checks: BackendCheck[] }>> {
    const wanted: Backend[] = p.backend ? [p.backend] : [...(ctx.vendors.graph ? (['graph'] as const) : []), ...(ctx.vendors.ews ? (['ews'] as const) : [])];
    if (wanted.length === 0) throw new Error(o365NotConfigured());
    const checks: BackendCheck[] = [];
    for (const b of wanted) checks.push(await check(ctx, b));
    const failed = checks.filter((c) => !c.ok);
    if (failed.length === checks.length) throw new Error(`Connectivity test failed: ${failed.map((c) => c.detail).join('; ')}`);
    return {
      summary: failed.length ? `Connectivity test partly failed: ${checks.map((c) => `${c.ok ? 'ok' : 'FAILED'}: ${c.detail}`).join('; ')}` : `Connectivity test passed: ${checks.map((c) => c.detail).join('; ')}`,
      kind: 'record',
      data: { checks },
      ...(failed.length ? { partial: true } : {}),
    };
  },
});
