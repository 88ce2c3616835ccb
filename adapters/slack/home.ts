// The App Home tab: published for the person who opens it (app_home_opened), from the store and the
// configuration. Bolt has already acknowledged the event; the work runs in the background.
import type { App } from '@slack/bolt';
import { rolesOf } from '../../src/config/policy.ts';
import { VENDOR_VARIABLES } from '../../src/vendors/registry.ts';
import type { Actor } from '../../src/store/types.ts';
import { approvalsFor, awaitingDecision, recentDecisions } from '../../src/store/triage-queue.ts';
import type { CommandDeps } from '../../handlers/commands/index.ts';
import { homeView, type HomeModel } from '../../cards/slack/home.ts';
import type { Background } from './background.ts';
import type { SlackActors } from './actors.ts';

export interface HomeWiring {
  app: App;
  deps: () => CommandDeps;
  actors: SlackActors;
  background: Background;
  command: string;
  alertChannel?: string;
  digestChannel?: string;
  /** Vendors with configuration (config.ts configuredVendors); default: the vendor clients present. */
  configuredVendors?: readonly string[];
}

export async function homeModel(w: HomeWiring, actor: Actor, now = new Date()): Promise<HomeModel> {
  const deps = w.deps();
  const configured = new Set(w.configuredVendors ?? Object.keys(deps.vendors).filter((k) => k !== 'reportMailbox'));
  const [approvals, awaiting, recent] = await Promise.all([approvalsFor(deps.store, actor, 10), awaitingDecision(deps.store, 10), recentDecisions(deps.store, 10)]);
  return {
    actor,
    roles: [...rolesOf(deps.policy, actor)],
    approvals,
    awaiting,
    recent,
    config: {
      vendors: Object.entries(VENDOR_VARIABLES).map(([name, variables]) => ({ name, configured: configured.has(name), variables })),
      ...(w.alertChannel ? { alertChannel: w.alertChannel } : {}),
      digest: { enabled: deps.policy.digest.enabled, schedule: deps.policy.digest.schedule, ...(w.digestChannel ? { channel: w.digestChannel } : {}) },
      dryRun: deps.dryRun,
      policySource: deps.policySource,
      command: w.command,
    },
    now,
  };
}

export function registerHome(w: HomeWiring): void {
  w.app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    w.background.run('app home', async () => {
      const actor = await w.actors.actor({ id: event.user });
      await client.views.publish({ user_id: event.user, view: homeView(await homeModel(w, actor)) });
    });
  });
}
