// Block Kit types, taken from @slack/bolt (a declared dependency) rather than its transitive
// @slack/types, so an npm dedupe can never break the import.
import type { types } from '@slack/bolt';

export type ActionsBlock = types.ActionsBlock;
export type Button = types.Button;
export type ConfirmationDialog = types.ConfirmationDialog;
export type ContextBlock = types.ContextBlock;
export type DividerBlock = types.DividerBlock;
export type HeaderBlock = types.HeaderBlock;
export type KnownBlock = types.KnownBlock;
export type MrkdwnElement = types.MrkdwnElement;
export type PlainTextElement = types.PlainTextElement;
export type SectionBlock = types.SectionBlock;
