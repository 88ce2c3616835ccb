// The one error configuration loading throws: every problem at once, in words an operator can act
// on, and never a secret value (secrets are described as "set but malformed", and as a second line
// of defence every known secret value is scrubbed from the text).
import { REDACTED } from '../log/redact.ts';

/** One thing wrong with the configuration: the variable or policy key, and what it expects. */
export interface ConfigProblem {
  /** `HOOKLINE_PORT`, `policy.yaml roles.responder.slack.users[0]`, ... */
  key: string;
  message: string;
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  const n = problems.length;
  const lines = problems.map((p) => `  - ${p.key}: ${p.message}`);
  return `Configuration is invalid (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

/**
 * Replace every occurrence of the given secret values in text. (Values we quote are already passed
 * through redactText where they are quoted; it is not applied to whole messages because it would
 * also mangle ordinary words, e.g. "Basic Information", the Slack settings page.)
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  const list = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  for (const s of list) out = out.split(s).join(REDACTED);
  return out;
}

export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  /** `secrets`: values that must not appear in the message (scrubbed if a problem quoted one). */
  constructor(problems: readonly ConfigProblem[], secrets: Iterable<string> = []) {
    const secretList = [...secrets];
    const safe = problems.map((p) => ({ key: scrubSecrets(p.key, secretList), message: scrubSecrets(p.message, secretList) }));
    super(formatProblems(safe));
    this.name = 'ConfigError';
    this.problems = safe;
  }
}
