import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const dir = fileURLToPath(new URL('../../manifest/slack/', import.meta.url));

type Manifest = any;

function load(name: string): Manifest {
  return parse(readFileSync(dir + name, 'utf8'), { strict: true, uniqueKeys: true });
}

const EVENTS_URL = 'https://hookline.example.com/slack/events';
const REQUIRED_SCOPES = ['chat:write', 'commands', 'users:read', 'usergroups:read', 'im:write', 'channels:read', 'groups:read', 'files:write'];

/** Every value under a key that names a URL. */
function urls(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => urls(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (/url/i.test(k)) out.push(String(x));
      urls(x, out);
    }
  }
  return out;
}

describe.each(['manifest.yaml', 'manifest.socket-mode.yaml'])('%s', (file) => {
  const m = load(file);

  it('describes the Hookline bot with the /phish command', () => {
    expect(m._metadata.major_version).toBe(1);
    expect(m.display_information.name).toBe('Hookline');
    expect(m.display_information.description.length).toBeLessThanOrEqual(140);
    expect(m.features.bot_user.display_name).toBe('Hookline');
    expect(m.features.slash_commands).toHaveLength(1);
    const cmd = m.features.slash_commands[0];
    expect(cmd.command).toBe('/phish');
    expect(cmd.description).toBeTruthy();
    expect(cmd.usage_hint).toBeTruthy();
    expect(cmd.should_escape).toBe(true);
  });

  it('has interactivity and the events it handles', () => {
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(m.settings.event_subscriptions.bot_events).toContain('app_home_opened');
    expect(m.features.app_home.home_tab_enabled).toBe(true);
  });

  it('asks for exactly the bot scopes it needs, and no user scopes', () => {
    const bot: string[] = m.oauth_config.scopes.bot;
    for (const s of REQUIRED_SCOPES) expect(bot).toContain(s);
    expect(new Set(bot).size).toBe(bot.length);
    expect(bot).not.toContain('chat:write.public');
    expect(bot.filter((s) => s.endsWith(':history'))).toEqual([]);
    expect(m.oauth_config.scopes.user).toBeUndefined();
  });
});

describe('HTTP vs Socket Mode', () => {
  const http = load('manifest.yaml');
  const socket = load('manifest.socket-mode.yaml');

  it('HTTP mode points the command, interactivity and events at /slack/events', () => {
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(http.features.slash_commands[0].url).toBe(EVENTS_URL);
    expect(http.settings.interactivity.request_url).toBe(EVENTS_URL);
    expect(http.settings.event_subscriptions.request_url).toBe(EVENTS_URL);
  });

  it('Socket Mode has no request URLs', () => {
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(urls(socket)).toEqual([]);
  });

  it('the two variants are the same app apart from the URLs and the mode', () => {
    const strip = (m: Manifest) => {
      const c = structuredClone(m);
      delete c.settings.socket_mode_enabled;
      delete c.settings.interactivity.request_url;
      delete c.settings.event_subscriptions.request_url;
      for (const s of c.features.slash_commands) delete s.url;
      return c;
    };
    expect(strip(socket)).toEqual(strip(http));
  });
});
