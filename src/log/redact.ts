// The one place that decides what counts as a secret. Logs, errors and audit parameters pass
// through here, so a token never leaves the process in text we write.

const SECRET_KEY = /(authorization|token|secret|secret[-_]?key|private[-_]?key|password|passwd|api[-_]?key|access[-_]?key|app[-_]?key|client[-_]?assertion|cookie|signature|x-slack-signature|clientstate)$/i;

export const REDACTED = '[redacted]';

/** True when a header / field / variable name holds a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_KEY.test(name.replace(/[^a-z0-9_-]/gi, ''));
}

/** Deep copy with every secret-named field replaced. Cycles and depth are bounded. */
export function redact<T>(value: T, depth = 0): T {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${(value as ArrayBufferView).byteLength} bytes]` as T;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretName(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redact(v, depth + 1);
  }
  return out as T;
}

/** Remove bearer tokens, basic credentials and secret query parameters from free text (error messages, URLs). */
export function redactText(text: string): string {
  return text
    // Real credentials are long; a 16-character floor keeps prose like "Basic Information" intact.
    .replace(/\b(Bearer|Basic|MC)\s+[A-Za-z0-9._~+/=:-]{16,}/g, `$1 ${REDACTED}`)
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${REDACTED}@`)
    .replace(/\b(xox[abposr]|xapp)-[A-Za-z0-9-]+/g, REDACTED)
    .replace(/([?&](?:access_token|token|client_secret|code|sig|signature|key|password)=)[^&\s]+/gi, `$1${REDACTED}`)
    .replace(/("(?:access_token|client_secret|refresh_token|password|secret)"\s*:\s*")[^"]*"/gi, `$1${REDACTED}"`);
}
