// A button's playbook: the steps the policy names (or the defaults for the vendors configured,
// src/config/policy.ts effectivePlaybook), planned together for the preview, run in order, and
// undone in reverse. Which code runs a step is decided here, once, from its configuration; which
// code undoes a run is decided by the kind of its undo handle, so an undo still works after the
// policy file changed.
import { effectivePlaybook, type PlaybookStepConfig, type PlaybookVendor } from '../../config/policy.ts';
import type { DecisionAction } from '../../store/types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import { VENDOR_VARIABLES } from '../../vendors/registry.ts';
import { cofenseIocStep, cofenseQuarantineStep, cofenseRestoreStep, undoCofenseIocs, undoCofenseJobs } from './cofense.ts';
import { ewsStep, undoEwsJunk, undoEwsMoved } from './ews.ts';
import { notifyReporterStep } from './graph-notify-reporter.ts';
import { graphRemediateStep, undoGraphMoves, undoGraphRemediate } from './graph-remediate.ts';
import { mimecastBlockSenderStep, mimecastBlockUrlStep, mimecastPermitOrBlockStep, undoMimecastPolicies, undoMimecastUrls } from './mimecast-block.ts';
import { mimecastReleaseStep } from './mimecast-held.ts';
import { mimecastRemediateStep } from './mimecast-remediate.ts';
import type { PlaybookStep, StepContext, StepOutcome, StepPlan, UndoHandle, Undoer } from './types.ts';
import { outcomeOf, reasonOf, stepId } from './types.ts';

/** The code behind one configured step. */
export function buildStep(c: PlaybookStepConfig): PlaybookStep {
  switch (c.vendor) {
    case 'graph':
      return c.step === 'remediate' ? graphRemediateStep(c) : notifyReporterStep(c);
    case 'mimecast':
      switch (c.step) {
        case 'release-message':
          return mimecastReleaseStep(c);
        case 'remediate':
          return mimecastRemediateStep(c);
        case 'block-sender':
          return mimecastBlockSenderStep(c);
        case 'permit-or-block-sender':
          return mimecastPermitOrBlockStep(c);
        case 'block-url':
          return mimecastBlockUrlStep(c);
      }
      break;
    case 'cofense':
      switch (c.step) {
        case 'quarantine':
          return cofenseQuarantineStep(c);
        case 'restore':
          return cofenseRestoreStep(c);
        case 'update-ioc':
          return cofenseIocStep(c);
      }
      break;
    case 'ews':
      return ewsStep(c);
  }
  throw new Error(`no implementation for playbook step ${stepId(c)}`);
}

/** Undo code by handle kind. */
const UNDOERS: Record<string, Undoer> = {
  'graph-remediate': undoGraphRemediate,
  'graph-moves': undoGraphMoves,
  'mimecast-policy': undoMimecastPolicies,
  'mimecast-urls': undoMimecastUrls,
  'cofense-job': undoCofenseJobs,
  'cofense-iocs': undoCofenseIocs,
  'ews-moved': undoEwsMoved,
  'ews-junk': undoEwsJunk,
};

/** The vendors whose clients exist in this process (what default playbooks are filtered by). */
export function configuredVendors(vendors: Vendors): PlaybookVendor[] {
  const out: PlaybookVendor[] = [];
  if (vendors.graph) out.push('graph');
  if (vendors.mimecast) out.push('mimecast');
  if (vendors.cofense) out.push('cofense');
  if (vendors.ews) out.push('ews');
  return out;
}

export interface ResolvedPlaybook {
  configs: PlaybookStepConfig[];
  source: 'policy' | 'default';
  /** Set when the button has nothing to call: what to configure. */
  unavailable?: string;
}

const BUTTON_TITLE: Record<DecisionAction, string> = { approve: 'Approve', quarantine: 'Quarantine', block: 'Block' };
const CAN: Record<DecisionAction, PlaybookVendor[]> = { approve: ['mimecast', 'cofense', 'graph'], quarantine: ['graph', 'cofense', 'mimecast', 'ews'], block: ['mimecast', 'cofense', 'ews'] };

export function resolvePlaybook(policy: StepContext['policy'], action: DecisionAction, vendors: Vendors): ResolvedPlaybook {
  const { steps, source } = effectivePlaybook(policy, action, configuredVendors(vendors));
  // Approve with no vendor still marks the report benign; the other two buttons must call someone.
  if (steps.length === 0 && action !== 'approve') {
    const how = CAN[action].map((v) => `${v} (${(VENDOR_VARIABLES[v] ?? []).join(', ')})`).join('; or ');
    return { configs: [], source, unavailable: `${BUTTON_TITLE[action]} is not configured yet: no vendor it can call is set up for this deployment. Configure ${how}, or name steps in playbooks.${action} of the policy file.` };
  }
  return { configs: steps, source };
}

/** Plans every step (reads only). A step whose planning throws is planned as blocked, with the reason. */
export async function planAll(ctx: StepContext, configs: readonly PlaybookStepConfig[]): Promise<StepPlan[]> {
  const out: StepPlan[] = [];
  for (const c of configs) {
    const step = buildStep(c);
    try {
      out.push(await step.plan(ctx));
    } catch (err) {
      ctx.log.error({ reportId: ctx.report.id, step: step.step, err: reasonOf(err) }, 'planning a step failed');
      out.push({ config: c, vendor: step.vendor, step: step.step, summary: `would run ${step.step}`, targets: [], blocked: `planning failed: ${reasonOf(err)}` });
    }
  }
  return out;
}

/**
 * Runs the plans in order. With `previous` (a retry), steps that already succeeded keep their
 * outcome and are not called again; failed, partial and not-run steps run again, and the undo
 * handles of an earlier partial run are kept alongside the new ones.
 */
export async function runAll(ctx: StepContext, plans: readonly StepPlan[], previous: readonly StepOutcome[] = []): Promise<StepOutcome[]> {
  const out: StepOutcome[] = [];
  let stopped: string | undefined;
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i] as StepPlan;
    const before = previous[i];
    if (before && before.step === plan.step && !before.notRun && before.status !== 'failed' && before.status !== 'partial') {
      out.push(before);
      continue;
    }
    if (stopped) {
      out.push(outcomeOf(plan, 'skipped', `not run: ${stopped} failed and is set to onError: stop`, { notRun: true }));
      continue;
    }
    let result: StepOutcome;
    try {
      result = await buildStep(plan.config).run(ctx, plan);
    } catch (err) {
      // Steps report failures as outcomes; reaching here is a bug, still recorded as a failure.
      ctx.log.error({ reportId: ctx.report.id, step: plan.step, err: reasonOf(err) }, 'a playbook step threw');
      result = outcomeOf(plan, 'failed', `${plan.step} failed unexpectedly: ${reasonOf(err)}`);
    }
    if (before?.undo?.length) result = { ...result, undo: [...before.undo, ...(result.undo ?? [])] };
    out.push(result);
    if ((result.status === 'failed' || result.status === 'partial') && plan.config.onError === 'stop') stopped = plan.step;
  }
  return out;
}

/**
 * Reverses a finished run, last step first. Steps with nothing to undo say why (irreversible);
 * with `previous` (a retried undo) only what failed before is undone again.
 */
export async function undoAll(ctx: StepContext, steps: readonly StepOutcome[], previous: readonly StepOutcome[] = []): Promise<StepOutcome[]> {
  const out: StepOutcome[] = [];
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i] as StepOutcome;
    const before = previous.find((p) => p.step === s.step && p.index === i);
    if (before && before.status !== 'failed' && before.status !== 'partial') {
      out.push(before);
      continue;
    }
    const handles = s.undo ?? [];
    if (handles.length === 0) {
      const why = s.status === 'failed' || s.status === 'skipped' || s.notRun ? 'it did not change anything' : (s.irreversible ?? 'it leaves nothing to reverse');
      out.push(outcomeOf(s, 'skipped', `not undone: ${why}`, { index: i }));
      continue;
    }
    const byKind = new Map<string, UndoHandle[]>();
    for (const h of handles) byKind.set(h.kind, [...(byKind.get(h.kind) ?? []), h]);
    for (const [kind, hs] of byKind) {
      const undoer = UNDOERS[kind];
      let r: StepOutcome;
      try {
        r = undoer ? await undoer(ctx, hs) : outcomeOf(s, 'failed', `Hookline does not know how to undo ${kind}`);
      } catch (err) {
        ctx.log.error({ reportId: ctx.report.id, step: s.step, err: reasonOf(err) }, 'an undo threw');
        r = outcomeOf(s, 'failed', `undo of ${s.step} failed unexpectedly: ${reasonOf(err)}`);
      }
      out.push({ ...r, step: s.step, vendor: s.vendor, index: i });
    }
  }
  return out;
}
