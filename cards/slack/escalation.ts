// Slack texts of the containment flow that are not the card: the SLA escalation reply (posted in
// the card's thread, mentioning the on-call user group named in the policy) and the direct message
// to a reporter. The only mention ever produced is `<!subteam^ID>` for an id that looks like a
// Slack user-group id (the policy validated it already; checked again here). Everything else,
// including the reporter notice (which quotes the phish's subject), is escaped and defanged.
import { slackCode, slackText } from '../text.ts';

const SLACK_GROUP_ID = /^S[A-Z0-9]{2,30}$/;

export function escalationText(n: { reportId: string; slaMinutes: number; group?: string }): string {
  const who = n.group && SLACK_GROUP_ID.test(n.group) ? `<!subteam^${n.group}> ` : '';
  const id = slackCode(n.reportId, { max: 80, defang: false });
  return `${who}:rotating_light: Report ${id} has not been decided within ${n.slaMinutes} min (the SLA in the policy). Please triage it on the card above.`;
}

/** A reporter notice (plain text from a template) as Slack mrkdwn: escaped, defanged, no formatting. */
export function directMessageText(text: string): string {
  return slackText(text, { singleLine: false, max: 3000 });
}
