// Every Mimecast action of seed 001 (plus reject-held-message), for the catalog:
// `catalog.register(...mimecastActions)`.
import type { ActionDef } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import { archiveActions } from './archive.ts';
import { eventActions } from './events.ts';
import { groupActions } from './groups.ts';
import { heldActions } from './held.ts';
import { policyActions } from './policy.ts';
import { remediationActions } from './remediation.ts';
import { urlActions } from './urls.ts';

export const mimecastActions: ActionDef<any, any, Vendors>[] = [
  ...groupActions,
  ...urlActions,
  ...policyActions,
  ...heldActions,
  ...remediationActions,
  ...archiveActions,
  ...eventActions,
];
