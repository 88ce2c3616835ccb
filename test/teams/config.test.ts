// TEAMS_PLAYGROUND, the development switch for Microsoft 365 Agents Playground: refused with Teams
// credentials and off loopback (all problems named at once), loopback by default when on, and the
// bot's token authority taken from M365_LOGIN_URL.
import { describe, expect, it } from 'vitest';
import { GUID_A, GUID_B, M365, TEAMS, failure, keysOf, load, messageFor } from '../config/helpers.ts';

describe('TEAMS_PLAYGROUND', () => {
  it('is off by default, and Teams credentials configure the real bot', () => {
    const { config } = load(TEAMS);
    expect(config.teamsPlayground).toBeUndefined();
    expect(config.teams).toMatchObject({ clientId: GUID_A, tenantId: GUID_B, loginUrl: 'https://login.microsoftonline.com' });
  });

  it('turns the Playground mode on without credentials, listening on loopback', () => {
    const { config } = load({ TEAMS_PLAYGROUND: 'true', TEAMS_ALERT_CONVERSATION: '19:dev@thread.tacv2' });
    expect(config.teamsPlayground).toEqual({ alertConversation: '19:dev@thread.tacv2' });
    expect(config.teams).toBeUndefined();
    expect(config.sandbox).toBe(false);
    expect(config.server).toMatchObject({ host: '127.0.0.1', loopback: true });
    // With a vendor configured the default host would be 0.0.0.0: the Playground keeps loopback.
    expect(load({ TEAMS_PLAYGROUND: 'true', ...M365 }).config.server.host).toBe('127.0.0.1');
  });

  it('is refused while any Teams credential is set, naming them', () => {
    const err = failure({ TEAMS_PLAYGROUND: 'true', ...TEAMS });
    expect(keysOf(err)).toEqual(['TEAMS_PLAYGROUND']);
    expect(messageFor(err, 'TEAMS_PLAYGROUND')).toMatch(/refused while TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID are set/);
    expect(keysOf(failure({ TEAMS_PLAYGROUND: 'yes', TEAMS_CLIENT_ID: GUID_A }))).toEqual(['TEAMS_PLAYGROUND']);
    // The secret's value never appears in the message.
    expect(err.message).not.toContain(TEAMS.TEAMS_CLIENT_SECRET);
  });

  it('is refused when the server listens beyond loopback', () => {
    const err = failure({ TEAMS_PLAYGROUND: 'true', HOOKLINE_HOST: '0.0.0.0' });
    expect(messageFor(err, 'TEAMS_PLAYGROUND')).toMatch(/HOOKLINE_HOST is "0\.0\.0\.0".*HOOKLINE_HOST=127\.0\.0\.1/);
    expect(load({ TEAMS_PLAYGROUND: 'true', HOOKLINE_HOST: '::1' }).config.server.loopback).toBe(true);
    expect(load({ TEAMS_PLAYGROUND: 'true', HOOKLINE_HOST: 'localhost' }).config.teamsPlayground).toBeDefined();
  });

  it('reports both refusals at once, and a malformed value', () => {
    const err = failure({ TEAMS_PLAYGROUND: 'true', HOOKLINE_HOST: '10.0.0.5', TEAMS_CLIENT_ID: GUID_A });
    expect(err.problems.filter((p) => p.key === 'TEAMS_PLAYGROUND')).toHaveLength(2);
    expect(messageFor(failure({ TEAMS_PLAYGROUND: 'maybe' }), 'TEAMS_PLAYGROUND')).toMatch(/expected true or false/);
  });

  it('false leaves everything as without it', () => {
    expect(load({ TEAMS_PLAYGROUND: 'false', HOOKLINE_HOST: '0.0.0.0' }).config.teamsPlayground).toBeUndefined();
    expect(keysOf(failure({ TEAMS_PLAYGROUND: 'false', TEAMS_ALERT_CONVERSATION: '19:x@thread.tacv2' }))).toEqual(['TEAMS_CLIENT_ID', 'TEAMS_CLIENT_SECRET', 'TEAMS_TENANT_ID']);
  });

  it('takes the bot\'s token authority from M365_LOGIN_URL (national clouds)', () => {
    expect(load({ ...TEAMS, M365_LOGIN_URL: 'https://login.microsoftonline.us' }).config.teams?.loginUrl).toBe('https://login.microsoftonline.us');
  });
});
