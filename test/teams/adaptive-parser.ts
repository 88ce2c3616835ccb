// Checks a card with the official Adaptive Cards parser (the `adaptivecards` package; in Node it
// loads only from dist/adaptivecards.js). Returns every parse and validation problem, so a test
// asserts an empty list. Unknown element or action types, bad inputs and duplicate ids show up here.
import { createRequire } from 'node:module';

const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js');

export interface ParsedCard {
  problems: string[];
  /** What the parser kept: top-level body elements and actions. */
  items: number;
  actions: number;
  version: string;
}

export function parseAdaptiveCard(card: unknown): ParsedCard {
  const c = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext();
  c.parse(card, ctx);
  const problems: string[] = [];
  for (let i = 0; i < ctx.eventCount; i++) problems.push(`parse: ${ctx.getEventAt(i).message}`);
  for (const e of c.validateProperties().validationEvents) problems.push(`validate: ${e.message}`);
  return { problems, items: c.getItemCount(), actions: c.getActionCount(), version: c.version?.toString() ?? '' };
}

/** Every card nested in a card (Action.ShowCard cards), the card itself first. */
export function allCards(card: any): any[] {
  const out = [card];
  for (const a of card?.actions ?? []) if (a?.type === 'Action.ShowCard') out.push(...allCards(a.card));
  return out;
}
