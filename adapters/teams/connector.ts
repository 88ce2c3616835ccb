// Every call Hookline makes to the Bot Connector service (post, update, members) goes through here:
// the SDK's API client does the HTTP and the bot token; this adds what Teams asks of a bot.
//
// - Rate limits before sending (rate-limit.ts): 7/s per conversation, 30/s per app.
// - Retries what Microsoft says to retry, 429, 412, 502 and 504, with exponential backoff and
//   jitter; a Retry-After is honoured (the same backoff and Retry-After rules as src/vendors/http).
//   A wait longer than MAX_SERVER_DELAY_MS is not sat through: the error says when to try again.
// - 403 BotNotInConversationRoster means the bot was removed from the conversation: the error is a
//   ConversationGoneError and `onGone` is told (the adapter marks the conversation gone and tells
//   the admins). It is never retried.
// - Errors carry status, Teams' error code and a message without tokens or card content.
import { backoffDelayMs, MAX_SERVER_DELAY_MS, networkFailure, serverDelayMs } from '../../src/vendors/http/retry.ts';
import type { Logger } from '../../src/log/logger.ts';
import { redactText } from '../../src/log/redact.ts';
import { SlidingWindowLimiter, TEAMS_APP_WINDOWS, TEAMS_CONVERSATION_WINDOWS, realClock, type Clock } from './rate-limit.ts';

/** Where a conversation lives: its id and the serviceUrl Teams gave for it. */
export interface ConversationTarget {
  conversationId: string;
  serviceUrl: string;
}

/** An outgoing message activity (what we send; the SDK adds from/conversation). */
export interface OutgoingActivity {
  type: 'message';
  text?: string;
  textFormat?: 'markdown' | 'plain';
  summary?: string;
  attachments?: { contentType: string; content: unknown }[];
}

export interface RosterMember {
  /** Teams user MRI (29:…). */
  id: string;
  aadObjectId?: string;
  name?: string;
}

/** The slice of the SDK's ConversationClient used here (app.api.clone({ serviceUrl }).conversations). */
export interface ConversationsApi {
  createActivity(conversationId: string, activity: any): Promise<{ id?: string } | undefined>;
  updateActivity(conversationId: string, id: string, activity: any): Promise<unknown>;
  getPagedMembers(conversationId: string, pageSize?: number, continuationToken?: string): Promise<{ members?: any[]; continuationToken?: string }>;
}

export const RETRY_STATUSES = new Set([412, 429, 502, 504]);

export class TeamsApiError extends Error {
  readonly status?: number;
  readonly code?: string;
  readonly attempts: number;
  /** Set when Teams asked to wait longer than we hold a call. */
  readonly retryAfterMs?: number;
  constructor(message: string, o: { status?: number; code?: string; attempts: number; retryAfterMs?: number }) {
    super(message);
    this.name = 'TeamsApiError';
    if (o.status !== undefined) this.status = o.status;
    if (o.code !== undefined) this.code = o.code;
    this.attempts = o.attempts;
    if (o.retryAfterMs !== undefined) this.retryAfterMs = o.retryAfterMs;
  }
}

/** 403 BotNotInConversationRoster: the bot is no longer in this conversation. */
export class ConversationGoneError extends TeamsApiError {
  readonly conversationId: string;
  constructor(conversationId: string, message: string, o: { status?: number; code?: string; attempts: number }) {
    super(message, o);
    this.name = 'ConversationGoneError';
    this.conversationId = conversationId;
  }
}

export interface TeamsConnectorOptions {
  api: (serviceUrl: string) => ConversationsApi;
  log: Logger;
  /** Told (once per failing call) when Teams says the bot is not in the conversation. */
  onGone?: (target: ConversationTarget, err: ConversationGoneError) => Promise<void>;
  clock?: Clock;
  random?: () => number;
  /** Attempts per call, the first included (default 4). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  conversationLimiter?: SlidingWindowLimiter;
  appLimiter?: SlidingWindowLimiter;
}

interface Failure {
  status?: number;
  code?: string;
  message: string;
  headers: Record<string, string>;
  networkNotSent: boolean;
}

/** What an SDK (axios) error says, without the request config (which holds the bearer token). */
export function describeFailure(err: unknown): Failure {
  const e = err as { response?: { status?: number; data?: unknown; headers?: Record<string, unknown> }; message?: unknown };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.response?.headers ?? {})) if (typeof v === 'string' || typeof v === 'number') headers[k.toLowerCase()] = String(v);
  const data = e.response?.data as { error?: { code?: unknown; message?: unknown }; code?: unknown; message?: unknown } | undefined;
  const code = typeof data?.error?.code === 'string' ? data.error.code : typeof data?.code === 'string' ? data.code : undefined;
  const detail = typeof data?.error?.message === 'string' ? data.error.message : typeof data?.message === 'string' ? data.message : undefined;
  const status = typeof e.response?.status === 'number' ? e.response.status : undefined;
  const base = detail ?? (typeof e.message === 'string' ? e.message : String(err));
  const net = status === undefined ? networkFailure(err) : undefined;
  return {
    ...(status !== undefined ? { status } : {}),
    ...(code ? { code } : {}),
    message: redactText(base).slice(0, 300),
    headers,
    networkNotSent: net !== undefined && !net.sent,
  };
}

export class TeamsConnector {
  readonly #opts: TeamsConnectorOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #conversations: SlidingWindowLimiter;
  readonly #app: SlidingWindowLimiter;

  constructor(opts: TeamsConnectorOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.#random = opts.random ?? Math.random;
    this.#conversations = opts.conversationLimiter ?? new SlidingWindowLimiter(TEAMS_CONVERSATION_WINDOWS, this.#clock);
    this.#app = opts.appLimiter ?? new SlidingWindowLimiter(TEAMS_APP_WINDOWS, this.#clock);
  }

  /** Posts a new message (a new thread in a channel); returns the activity id Teams gave it. */
  async send(target: ConversationTarget, activity: OutgoingActivity): Promise<string> {
    const res = await this.#call(target, 'post', (api) => api.createActivity(target.conversationId, activity));
    if (!res?.id) throw new TeamsApiError(`Teams accepted the message in ${target.conversationId} but returned no activity id`, { attempts: 1 });
    return res.id;
  }

  /** Replaces a message the bot posted (everyone in the conversation sees the new version). */
  async update(target: ConversationTarget, activityId: string, activity: OutgoingActivity): Promise<void> {
    await this.#call(target, 'update', (api) => api.updateActivity(target.conversationId, activityId, activity));
  }

  /** The conversation's members (paged; at most `max`). */
  async members(target: ConversationTarget, max = 1000): Promise<RosterMember[]> {
    const out: RosterMember[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call(target, 'members', (api) => api.getPagedMembers(target.conversationId, 500, token), false);
      for (const m of page?.members ?? []) {
        if (typeof m?.id !== 'string') continue;
        out.push({ id: m.id, ...(typeof m.aadObjectId === 'string' ? { aadObjectId: m.aadObjectId } : {}), ...(typeof m.name === 'string' ? { name: m.name } : {}) });
      }
      token = page?.continuationToken || undefined;
    } while (token && out.length < max);
    return out.slice(0, max);
  }

  async #call<T>(target: ConversationTarget, op: string, fn: (api: ConversationsApi) => Promise<T>, limited = true): Promise<T> {
    const api = this.#opts.api(target.serviceUrl);
    const max = Math.max(1, this.#opts.maxAttempts ?? 4);
    for (let attempt = 1; ; attempt++) {
      if (limited) {
        await this.#conversations.acquire(target.conversationId);
        await this.#app.acquire('app');
      }
      try {
        return await fn(api);
      } catch (err) {
        const f = describeFailure(err);
        const what = `Teams ${op} in ${target.conversationId} failed${f.status ? ` (${f.status}${f.code ? ` ${f.code}` : ''})` : ''}: ${f.message}`;
        if (f.status === 403 && f.code === 'BotNotInConversationRoster') {
          const gone = new ConversationGoneError(target.conversationId, what, { status: 403, code: f.code, attempts: attempt });
          await this.#opts.onGone?.(target, gone).catch((e: unknown) => this.#opts.log.error({ err: (e as Error).message }, 'handling a gone Teams conversation failed'));
          throw gone;
        }
        const retryable = (f.status !== undefined && RETRY_STATUSES.has(f.status)) || f.networkNotSent;
        if (!retryable || attempt >= max) {
          throw new TeamsApiError(what, { ...(f.status !== undefined ? { status: f.status } : {}), ...(f.code ? { code: f.code } : {}), attempts: attempt });
        }
        const asked = serverDelayMs(f.headers, 'seconds', this.#clock.now());
        if (asked !== undefined && asked > MAX_SERVER_DELAY_MS) {
          throw new TeamsApiError(`${what}; Teams asks to wait ${Math.ceil(asked / 1000)} s`, { ...(f.status !== undefined ? { status: f.status } : {}), ...(f.code ? { code: f.code } : {}), attempts: attempt, retryAfterMs: asked });
        }
        const delay = Math.max(asked ?? 0, backoffDelayMs(attempt, this.#opts.baseDelayMs ?? 1_000, this.#opts.maxDelayMs ?? 16_000, this.#random));
        this.#opts.log.warn({ conversationId: target.conversationId, op, status: f.status, code: f.code, attempt, delayMs: delay }, 'Teams call failed; retrying');
        await this.#clock.sleep(delay);
      }
    }
  }
}
