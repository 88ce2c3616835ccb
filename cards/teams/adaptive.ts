// Adaptive Card 1.5 as plain JSON: the few element types Hookline's cards use, small builders,
// and Teams' limits. The builders take text that is ALREADY rendered for Teams (cards/text.ts
// teamsText / teamsPlain, or our own literal markdown); they never escape.
//
// Plain objects rather than @microsoft/teams.cards classes keep cards/ free of SDK imports and
// side effects; the adapter wraps a card in an attachment. Every card we produce is checked by
// the official `adaptivecards` parser in test/teams.

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export const TEAMS_LIMITS = {
  /**
   * Our budget for a card's JSON, in UTF-8 bytes. Bot messages may be ~100 KB today, but older
   * documentation (and Workflows / connectors) say 28-40 KB, and a 413 MessageSizeTooBig loses
   * the post; cards degrade (fewer indicators) to stay under this.
   */
  cardBytesBudget: 24_000,
  /** `refresh.userIds`: Teams auto-refreshes the card for at most 60 listed users. */
  refreshUserIds: 60,
  /** Action titles are cut by clients beyond about this. */
  actionTitle: 40,
} as const;

export type TextColor = 'Default' | 'Dark' | 'Light' | 'Accent' | 'Good' | 'Warning' | 'Attention';
export type ContainerStyle = 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';
export type Spacing = 'None' | 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge' | 'Padding';

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap?: boolean;
  size?: 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge';
  weight?: 'Lighter' | 'Default' | 'Bolder';
  color?: TextColor;
  isSubtle?: boolean;
  spacing?: Spacing;
  separator?: boolean;
  fontType?: 'Default' | 'Monospace';
  style?: 'default' | 'heading';
}

export interface FactSet {
  type: 'FactSet';
  facts: { title: string; value: string }[];
  spacing?: Spacing;
}

export interface Container {
  type: 'Container';
  items: CardElement[];
  style?: ContainerStyle;
  spacing?: Spacing;
  separator?: boolean;
}

export interface TextInput {
  type: 'Input.Text';
  id: string;
  label?: string;
  placeholder?: string;
  value?: string;
  isRequired?: boolean;
  errorMessage?: string;
  isMultiline?: boolean;
  maxLength?: number;
  regex?: string;
}

export interface NumberInput {
  type: 'Input.Number';
  id: string;
  label?: string;
  placeholder?: string;
  value?: number;
  min?: number;
  max?: number;
  isRequired?: boolean;
  errorMessage?: string;
}

export interface ToggleInput {
  type: 'Input.Toggle';
  id: string;
  title: string;
  label?: string;
  value?: 'true' | 'false';
  valueOn?: 'true';
  valueOff?: 'false';
}

export interface ChoiceSetInput {
  type: 'Input.ChoiceSet';
  id: string;
  label?: string;
  choices: { title: string; value: string }[];
  value?: string;
  isMultiSelect?: boolean;
  style?: 'compact' | 'expanded';
  isRequired?: boolean;
  errorMessage?: string;
}

export interface DateInput {
  type: 'Input.Date';
  id: string;
  label?: string;
  value?: string;
  isRequired?: boolean;
  errorMessage?: string;
}

export type InputElement = TextInput | NumberInput | ToggleInput | ChoiceSetInput | DateInput;
export type CardElement = TextBlock | FactSet | Container | InputElement;

/** What a button sends back (Action.Execute `data`, or the Action.Submit message's `value`). */
export type ActionData = Record<string, string | number | boolean>;

export interface SubmitAction {
  type: 'Action.Submit';
  title: string;
  data: ActionData;
  style?: 'default' | 'positive' | 'destructive';
}

export interface ExecuteAction {
  type: 'Action.Execute';
  title: string;
  verb: string;
  data: ActionData;
  style?: 'default' | 'positive' | 'destructive';
  /** Clients without Universal Actions (Teams before AC 1.4) run this instead. */
  fallback?: SubmitAction | 'drop';
}

export interface ShowCardAction {
  type: 'Action.ShowCard';
  title: string;
  card: AdaptiveCard;
  style?: 'default' | 'positive' | 'destructive';
}

/** Opens a link (a download served by Hookline itself, never a URL taken from mail). */
export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}

export type CardAction = ExecuteAction | SubmitAction | ShowCardAction | OpenUrlAction;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema?: string;
  version: '1.5';
  body: CardElement[];
  actions?: CardAction[];
  fallbackText?: string;
  /** Universal Actions: Teams invokes `action` to get a user-specific view of this card. */
  refresh?: { action: ExecuteAction; userIds?: string[] };
  msteams?: { width?: 'Full' };
}

export const SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

export function card(body: CardElement[], opts: Omit<AdaptiveCard, 'type' | 'version' | 'body' | '$schema'> = {}): AdaptiveCard {
  return { type: 'AdaptiveCard', $schema: SCHEMA, version: '1.5', body, ...opts };
}

export function text(t: string, opts: Omit<TextBlock, 'type' | 'text'> = {}): TextBlock {
  // wrap: true everywhere: Teams otherwise cuts a line at the card's edge with no way to read it.
  return { type: 'TextBlock', text: t, wrap: true, ...opts };
}

export function facts(list: { title: string; value: string }[], spacing?: Spacing): FactSet {
  return { type: 'FactSet', facts: list, ...(spacing ? { spacing } : {}) };
}

export function container(items: CardElement[], opts: Omit<Container, 'type' | 'items'> = {}): Container {
  return { type: 'Container', items, ...opts };
}

/**
 * A Universal Action button with an Action.Submit fallback carrying the same data (plus the verb),
 * so old clients still reach the bot (as a message activity whose `value` is the data).
 */
export function execute(title: string, verb: string, data: ActionData, style?: ExecuteAction['style']): ExecuteAction {
  const submit: SubmitAction = { type: 'Action.Submit', title, data: { ...data, verb }, ...(style ? { style } : {}) };
  return { type: 'Action.Execute', title, verb, data, ...(style ? { style } : {}), fallback: submit };
}

/** Markdown lines for a TextBlock: Teams renders `- a\r- b` as a list (a lone `\n` may be dropped). */
export function bulletLines(lines: string[]): string {
  return lines.map((l) => `- ${l}`).join('\r');
}

/** Lines of a TextBlock, each on its own paragraph (Teams needs a blank line between paragraphs). */
export function paragraphs(lines: string[]): string {
  return lines.join('\n\n');
}

/** The card's JSON size in UTF-8 bytes (what Teams' message size limits count). */
export function cardBytes(c: AdaptiveCard): number {
  return Buffer.byteLength(JSON.stringify(c), 'utf8');
}

/** An attachment for a Bot Framework activity. */
export function cardAttachment(c: AdaptiveCard): { contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; content: AdaptiveCard } {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: c };
}
