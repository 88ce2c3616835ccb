// Signs requests the way Slack does (v0 HMAC-SHA256 over "v0:timestamp:body"), so tests send real
// signed requests over HTTP to the running server.
import { createHmac } from 'node:crypto';

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
}

export interface SignedPost {
  status: number;
  text: string;
}

/** POSTs a form body to /slack/events, signed with `secret` at `timestamp` (seconds). */
export async function postSlack(
  baseUrl: string,
  secret: string,
  body: string,
  opts: { timestamp?: number; contentType?: string; signature?: string; headers?: Record<string, string> } = {},
): Promise<SignedPost> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': opts.signature ?? slackSignature(secret, ts, body),
      ...opts.headers,
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

/** A block_actions payload for a button click, form-encoded as Slack sends it. */
export function buttonClickBody(opts: {
  userId: string;
  actionId: string;
  value: string;
  channel: string;
  messageTs: string;
  responseUrl: string;
}): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T1', domain: 'test' },
    user: { id: opts.userId, username: opts.userId.toLowerCase(), name: opts.userId.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: opts.messageTs, channel_id: opts.channel, is_ephemeral: false },
    trigger_id: '123.456.abc',
    channel: { id: opts.channel, name: 'phish-alerts' },
    message: { ts: opts.messageTs, type: 'message', text: 'card' },
    response_url: opts.responseUrl,
    actions: [{ type: 'button', action_id: opts.actionId, block_id: 'decide', value: opts.value, action_ts: String(Date.now() / 1000) }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
