// The Teams app manifest (schema v1.22), generated from the action catalog so the command menu
// can never drift from what the bot understands: `help`, the one-word aliases, "set alerts here"
// in channels and group chats, and `help <vendor>` for each vendor of the catalog. The committed
// manifest/teams/manifest.json is this function's output (test/teams/manifest.test.ts checks it);
// scripts/build-teams-package.ts fills in the bot id and host and zips it with the icons.
import type { Catalog } from '../../src/actions/catalog.ts';
import { COMMAND_ALIASES } from '../../handlers/commands/parse.ts';

export const MANIFEST_SCHEMA = 'https://developer.microsoft.com/json-schemas/teams/v1.22/MicrosoftTeams.schema.json';
export const MANIFEST_VERSION = '1.22';
/** Placeholder ids in the committed manifest; the package script puts the bot's app id there. */
export const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';
export const PLACEHOLDER_HOST = 'hookline.example.com';

/** Teams' limits for command menus. */
export const COMMAND_LIMITS = { perList: 10, title: 32, description: 128 } as const;

export interface ManifestCommand {
  title: string;
  description: string;
}

export interface CommandList {
  scopes: ('personal' | 'team' | 'groupChat')[];
  commands: ManifestCommand[];
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** The bot's command menus, from the catalog. */
export function teamsCommandLists(catalog: Catalog<any>): CommandList[] {
  const vendors = catalog.vendors();
  const aliases: ManifestCommand[] = Object.entries(COMMAND_ALIASES)
    .filter(([, a]) => catalog.find(a.vendor, a.action))
    .map(([word, a]) => ({ title: word, description: catalog.find(a.vendor, a.action)!.summary }));
  const perVendor: ManifestCommand[] = vendors.map((v) => {
    const names = catalog
      .list()
      .filter((d) => d.vendor === v)
      .map((d) => d.name);
    return { title: `help ${v}`, description: `The ${names.length} ${v} action${names.length === 1 ? '' : 's'}: ${names.join(', ')}` };
  });
  const help: ManifestCommand = { title: 'help', description: `What Hookline can do: ${vendors.join(', ')}. Then: <vendor> <action> key=value` };
  const setAlerts: ManifestCommand = { title: 'set alerts here', description: 'Admins: post new phishing reports to this conversation' };
  const fit = (list: ManifestCommand[]) =>
    list.slice(0, COMMAND_LIMITS.perList).map((c) => ({ title: clip(c.title, COMMAND_LIMITS.title), description: clip(c.description, COMMAND_LIMITS.description) }));
  return [
    { scopes: ['personal'], commands: fit([help, ...aliases, ...perVendor]) },
    { scopes: ['team', 'groupChat'], commands: fit([help, setAlerts, ...aliases, ...perVendor]) },
  ];
}

export interface ManifestOptions {
  appId?: string;
  host?: string;
  version?: string;
}

/** The whole manifest (placeholders unless `appId` / `host` are given). */
export function teamsManifest(catalog: Catalog<any>, opts: ManifestOptions = {}): Record<string, unknown> {
  const appId = opts.appId ?? PLACEHOLDER_APP_ID;
  const host = opts.host ?? PLACEHOLDER_HOST;
  return {
    $schema: MANIFEST_SCHEMA,
    manifestVersion: MANIFEST_VERSION,
    version: opts.version ?? '0.1.0',
    id: appId,
    developer: {
      name: 'Hookline',
      websiteUrl: `https://${host}/`,
      privacyUrl: `https://${host}/privacy`,
      termsOfUseUrl: `https://${host}/terms`,
    },
    name: { short: 'Hookline', full: 'Hookline phishing triage' },
    description: {
      short: 'Triage reported phishing: approve, quarantine or block from Teams.',
      full:
        'Hookline posts each phishing report your users send to the reporting mailbox as a card with Approve, Quarantine and Block, ' +
        'runs the decision once against your email-security vendors (Microsoft Defender through Graph, Mimecast, Cofense, Exchange), ' +
        'updates the card for everyone with the outcome, and answers commands for every vendor action. Mention the bot with "help" to start.',
    },
    icons: { outline: 'outline.png', color: 'color.png' },
    accentColor: '#1F4E79',
    bots: [
      {
        botId: appId,
        scopes: ['personal', 'team', 'groupChat'],
        isNotificationOnly: false,
        supportsFiles: false,
        supportsCalling: false,
        supportsVideo: false,
        commandLists: teamsCommandLists(catalog),
      },
    ],
    permissions: ['identity', 'messageTeamMembers'],
    validDomains: [host],
  };
}
