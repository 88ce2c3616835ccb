// Commands, platform-neutral: everything an adapter (Slack, Teams, console) needs to offer the whole
// action catalog as typed commands and forms. The adapter only undoes its platform's encoding of
// the text, renders what comes back, and acknowledges the platform before any slow step.
//
//   const prepared = prepareCommand(deps.catalog, text);          // pure, fast: no I/O
//   switch (prepared.kind) {
//     case 'help':        render helpIndex(deps.catalog, { vendors, policy, policySource, actor, vendor })
//     case 'action-help': render usageOf(def, fields) + parameterLines(fields)
//     case 'error':       show prepared.message
//     case 'form':        checkAccess(deps, actor, def) first (denied / not configured / second approver),
//                         then show a form built from prepared.fields, prefilled with prepared.raw,
//                         listing prepared.problems (FieldProblem.field names the input)
//     case 'ready':       const outcome = await runAction(deps, { actor, def, params })
//   }
//   on form submit:       prepareForm(def, rawTextPerField) -> 'ready' | 'form' (with problems)
//
// FormField kinds: text, number (integer, min, max), boolean, enum (options), list (itemKind,
// options, min/max items; typed comma- or newline-separated). Secret fields (password, key, …) are
// flagged so cards never echo them. ActionOutcome kinds: result (ActionResult: text | record |
// table | file), decision (the card updates itself; `message` for the asker), denied,
// not-configured (variables to set), needs-second-approver, failed. Every run is audited.
export { tokenize, CommandSyntaxError, type Token } from './tokenize.ts';
export { parseCommand, COMMAND_ALIASES, type ParsedCommand } from './parse.ts';
export { formFields, labelOf, describeValue, formatDefault, type FormField, type FieldKind } from './fields.ts';
export { collectArgs, collectForm, convertField, fieldFor, splitList, validate, missingFields, type FieldProblem, type RawValues, type Collected, type Validation } from './values.ts';
export { prepareCommand, prepareParsed, prepareForm, type Prepared } from './prepare.ts';
export { runAction, checkAccess, type ActionOutcome, type CommandDeps } from './run.ts';
export { helpIndex, usageOf, usageHint, parameterLines, type HelpIndex, type HelpAction } from './help.ts';
