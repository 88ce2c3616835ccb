// The shared pieces of the Source contract (src/ingest/source.ts): ordering by receive time, one
// round at a time, and the collapsing trigger that push channels use.
import { describe, expect, it } from 'vitest';
import { SharedRound, orderByReceived, reportKey } from '../../../src/ingest/source.ts';
import { RoundTrigger } from '../../../src/ingest/sources/round-trigger.ts';
import { parseGraphCursor } from '../../../src/ingest/sources/graph-source.ts';
import { captureLog } from './helpers.ts';

/** A promise the test resolves by hand: rounds that end exactly when the test says so. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('orderByReceived', () => {
  const items = [
    { id: 'b', t: '2026-11-02T09:02:00Z' },
    { id: 'undated' },
    { id: 'a', t: '2026-11-02T09:01:00Z' },
    { id: 'c', t: '2026-11-02T09:02:00Z' },
    { id: 'bad', t: 'not a date' },
  ] as { id: string; t?: string }[];
  it('sorts oldest-first stably, undated first', () => {
    expect(orderByReceived(items, 'oldest-first', (i) => i.t).map((i) => i.id)).toEqual(['undated', 'bad', 'a', 'b', 'c']);
  });
  it('sorts latest-first stably, undated last', () => {
    expect(orderByReceived(items, 'latest-first', (i) => i.t).map((i) => i.id)).toEqual(['b', 'c', 'a', 'undated', 'bad']);
  });
  it('does not touch its input', () => {
    const copy = [...items];
    orderByReceived(items, 'latest-first', (i) => i.t);
    expect(items).toEqual(copy);
  });
});

describe('SharedRound', () => {
  it('gives callers during a round the same round, and starts a new one after', async () => {
    let runs = 0;
    const g = gate();
    const shared = new SharedRound(async () => {
      runs++;
      await g.promise;
      return runs;
    });
    const a = shared.start();
    const b = shared.start();
    expect(shared.inFlight).toBe(true);
    g.open();
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    expect(shared.inFlight).toBe(false);
    expect(await shared.start()).toBe(2);
  });

  it('a failed round is not remembered', async () => {
    let fail = true;
    const shared = new SharedRound(async () => {
      if (fail) throw new Error('down');
      return 'ok';
    });
    await expect(shared.start()).rejects.toThrow('down');
    await shared.settled();
    fail = false;
    expect(await shared.start()).toBe('ok');
  });
});

describe('RoundTrigger', () => {
  it('collapses any number of requests during a round into exactly one more round', async () => {
    const gates = [gate(), gate()];
    let started = 0;
    const trigger = new RoundTrigger('test', async () => {
      await gates[started++]?.promise;
    }, captureLog().log);
    trigger.request();
    for (let i = 0; i < 50; i++) trigger.request();
    expect(trigger.roundsRun).toBe(1);
    gates[0]!.open();
    gates[1]!.open();
    await trigger.settled();
    expect(trigger.roundsRun).toBe(2);
    trigger.request();
    await trigger.settled();
    expect(trigger.roundsRun).toBe(3);
  });

  it('logs a failed round and keeps working', async () => {
    const logs = captureLog();
    let n = 0;
    const trigger = new RoundTrigger('src-x', async () => {
      if (n++ === 0) throw new Error('vendor down');
    }, logs.log);
    trigger.request();
    await trigger.settled();
    expect(logs.text()).toMatch(/triggered ingest round failed.*vendor down|vendor down.*triggered ingest round failed/);
    trigger.request();
    await trigger.settled();
    expect(trigger.roundsRun).toBe(2);
  });
});

describe('cursor helpers', () => {
  it('reportKey is the key ingestRaw stores under', () => {
    expect(reportKey('graph', 'AAMk1')).toBe('graph:AAMk1');
  });
  it('parseGraphCursor reads JSON, a bare deltaLink, and survives garbage', () => {
    expect(parseGraphCursor(undefined)).toBeUndefined();
    expect(parseGraphCursor('https://graph/x?$deltatoken=1')).toEqual({ link: 'https://graph/x?$deltatoken=1' });
    expect(parseGraphCursor('{"link":"L","full":true,"skipped":{"from":"a","to":"b"}}')).toEqual({ link: 'L', full: true, skipped: { from: 'a', to: 'b' } });
    expect(parseGraphCursor('{broken')).toEqual({});
  });
});
