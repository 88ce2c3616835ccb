// Every "EWS for Office 365" action of seed 000 (ids `o365.<name>`), each on Microsoft Graph for
// Exchange Online or EWS for Exchange Server (see ./common.ts). "on poll" is the ingestion of the
// reporting mailbox (src/ingest/sources), not a catalog action.
import type { O365Action } from './common.ts';
import { testConnectivity } from './connectivity.ts';
import { runQuery } from './run-query.ts';
import { copyEmail, deleteEmail, moveEmail } from './move-copy-delete.ts';
import { blockSender, unblockSender } from './block-sender.ts';
import { getEmail } from './get-email.ts';
import { listAddresses, lookupEmail } from './directory.ts';
import { updateEmail } from './update-email.ts';
import { traceEmail } from './trace-email.ts';

export type { O365Action } from './common.ts';

export const o365Actions: O365Action[] = [
  testConnectivity,
  runQuery,
  deleteEmail,
  copyEmail,
  moveEmail,
  blockSender,
  unblockSender,
  getEmail,
  listAddresses,
  lookupEmail,
  updateEmail,
  traceEmail,
];
