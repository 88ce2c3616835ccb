// Cofense Vision: connectivity check, searchable headers, diagnostic logs.
import { z } from 'zod';
import type { FileData } from '../types.ts';
import { cofense, cofenseAction, plural, sizeOf, table } from './common.ts';

export const testConnectivity = cofenseAction({
  name: 'test-connectivity',
  title: 'Test connectivity',
  summary: 'Checks that Cofense Vision is up and that the client credentials get an access token',
  params: z.object({}),
  risk: 'read',
  role: 'viewer',
  async run(ctx) {
    const { health, token } = await cofense(ctx).testConnectivity();
    return {
      summary: `Cofense Vision is up (status ${health.status}) and the client credentials work (token valid for ${Math.round(token.lifetimeSec / 60)} min)`,
      kind: 'record',
      data: { status: health.status, tokenExpiresAt: new Date(token.expiresAt).toISOString(), tokenLifetimeSec: token.lifetimeSec },
    };
  },
});

export const listSearchableHeaders = cofenseAction({
  name: 'list-searchable-headers',
  title: 'List searchable headers',
  summary: 'Retrieves the header names that can be used in a message search (create-message-search headers=...)',
  params: z.object({}),
  risk: 'read',
  role: 'viewer',
  async run(ctx) {
    const headers = await cofense(ctx).listSearchableHeaders();
    return {
      summary: `${plural(headers.length, 'searchable header')}${headers.length ? `: ${headers.slice(0, 5).join(', ')}${headers.length > 5 ? ', ...' : ''}` : ''}`,
      kind: 'table',
      data: table([['header', 'Header']], headers.map((header) => ({ header }))),
    };
  },
});

export const downloadLogs = cofenseAction({
  name: 'download-logs',
  title: 'Download logs',
  summary: 'Downloads the log files of all Cofense Vision components (a zip, for support cases)',
  params: z.object({}),
  risk: 'read',
  // Server logs can hold addresses, subjects and configuration: administrators only.
  role: 'admin',
  async run(ctx): Promise<{ summary: string; kind: 'file'; data: FileData }> {
    const file = await cofense(ctx).downloadLogs();
    const filename = file.filename ?? `cofense-vision-logs_${new Date().toISOString().replace(/[:.]/g, '-')}.zip`;
    return {
      summary: `Downloaded the Cofense Vision logs (${sizeOf(file.bytes.length)})`,
      kind: 'file',
      data: { filename, contentType: 'application/zip', bytes: file.bytes, comment: 'Cofense Vision component logs: handle as confidential' },
    };
  },
});

export const adminActions = [testConnectivity, listSearchableHeaders, downloadLogs];
