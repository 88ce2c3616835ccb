// Every Cofense Vision action of seed 003, one catalog declaration each (ids `cofense.<name>`).
import type { CofenseAction } from './common.ts';
import { adminActions } from './admin.ts';
import { iocActions } from './iocs.ts';
import { messageActions } from './messages.ts';
import { quarantineActions } from './quarantine.ts';
import { searchActions } from './searches.ts';

export type { CofenseAction } from './common.ts';

export const cofenseActions: CofenseAction[] = [...adminActions, ...messageActions, ...quarantineActions, ...searchActions, ...iocActions];
