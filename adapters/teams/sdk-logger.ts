// The Teams SDK logs through our pino logger (structured, secrets redacted) instead of the console.
// Only text is logged: the SDK passes whole activities and HTTP errors (with the request config,
// which holds the bearer token) as objects at debug level, and activities carry message text and
// card content that has no place in a log. Errors are reduced to their message.
import type { AppOptions } from '@microsoft/teams.apps';
import type { Logger } from '../../src/log/logger.ts';
import { redactText } from '../../src/log/redact.ts';

// From @microsoft/teams.apps (a declared dependency) rather than its transitive teams.common.
type ILogger = NonNullable<AppOptions<any>['logger']>;
type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

function textOf(msgs: unknown[]): string {
  return redactText(
    msgs
      .map((m) => (m instanceof Error ? m.message : typeof m === 'string' || typeof m === 'number' || typeof m === 'boolean' ? String(m) : '[object]'))
      .join(' '),
  ).slice(0, 1000);
}

export function teamsSdkLogger(log: Logger, name = 'teams'): ILogger {
  const child = log.child({ component: name });
  const logger: ILogger = {
    loggerOptions: {},
    // The SDK's info/debug chatter (every activity) is trace for us.
    debug: (...m: unknown[]) => child.trace(textOf(m)),
    info: (...m: unknown[]) => child.debug(textOf(m)),
    warn: (...m: unknown[]) => child.warn(textOf(m)),
    error: (...m: unknown[]) => child.error(textOf(m)),
    trace: (...m: unknown[]) => child.trace(textOf(m)),
    log: (level: LogLevel, ...m: unknown[]) => logger[level](...m),
    child: (sub: string) => teamsSdkLogger(log, `${name}/${sub}`),
  };
  return logger;
}
