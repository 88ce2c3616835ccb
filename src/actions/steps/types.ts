import type { ReportRecord, VendorStepOutcome } from '../../store/types.ts';
import type { ActionContext } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';

/** One vendor call of a button's playbook (shared/DESIGN.md §4). */
export interface PlaybookStep {
  vendor: string;
  /** `graph.remediate`, ... */
  step: string;
  /** Runs the call; never throws: a vendor failure is a `failed` outcome with the reason. */
  run(ctx: ActionContext<Vendors>, report: ReportRecord): Promise<VendorStepOutcome>;
}
