// Structured JSON logs (pino). Secrets are removed twice: pino's path redaction for the known
// places, and redact() for anything passed as a field, so a token in a new field is still hidden.
import { pino, type Logger as PinoLogger } from 'pino';
import { redact } from './redact.ts';

export type Logger = PinoLogger;

export interface LoggerOptions {
  level?: string;
  /** A writable stream instead of stdout (tests capture logs to check nothing secret is written). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const options = {
    level: opts.level ?? process.env.HOOKLINE_LOG_LEVEL ?? 'info',
    base: { app: 'hookline' },
    redact: {
      paths: ['headers.authorization', 'req.headers.authorization', '*.authorization', '*.token', '*.secret', '*.password'],
      censor: '[redacted]',
    },
    formatters: {
      log: (obj: Record<string, unknown>) => redact(obj),
    },
  };
  return opts.destination ? pino(options, opts.destination as unknown as pino.DestinationStream) : pino(options);
}

/** A logger that writes nothing (unit tests that do not look at logs). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
