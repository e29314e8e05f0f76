import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NeighbourTableTotals } from '../isolation/neighbour-table-totals.js';
import type { SandboxNetworkNamespaces } from '../isolation/sandbox-network-namespaces.js';
import type { LogFields, Logger } from '../log/logger.js';
import { NeighbourWatchdog } from './neighbour-watchdog.js';
import { Session } from './session.js';

const second = 1000;
const limit = 10;

const session = (id: string) => new Session(id, 'lesson', 'ab'.repeat(32), `c-${id}`, `n-${id}`, 0, 1e12);

/** A sandbox as the fakes see it: its namespaces (inode → paths) and the held entries at each path. */
interface FakeSandbox {
  namespaces?: Record<number, string[]>;
  held?: Record<string, number>;
  /** What processId throws (a sandbox that is not running). */
  notRunning?: Error;
  /** Its session ends while its process is asked for. */
  endsMeanwhile?: boolean;
}

function setup(sessions: Session[], sandboxes: Record<string, FakeSandbox> = {}, overrides: { totals?: (table: { total: number }) => Promise<NeighbourTableTotals> } = {}) {
  const table = { total: 0 };
  const calls = { totals: 0, looked: [] as string[], counted: [] as string[] };
  const ended: string[] = [];
  const logged: [string, string, LogFields | undefined][] = [];
  const log: Logger = {
    debug: (event, fields) => logged.push(['debug', event, fields]),
    info: (event, fields) => logged.push(['info', event, fields]),
    warn: (event, fields) => logged.push(['warn', event, fields]),
    error: (event, fields) => logged.push(['error', event, fields]),
    child: () => log,
  };
  const byPid = new Map(sessions.map((made, index) => [index + 1, made.id]));
  let endFails: string | undefined;
  const watchdog = new NeighbourWatchdog({
    sessions: () => sessions,
    processId: async (made) => {
      calls.looked.push(made.id);
      const failure = sandboxes[made.id]?.notRunning;
      if (sandboxes[made.id]?.endsMeanwhile) made.ended = true;
      if (failure) throw failure;
      return sessions.indexOf(made) + 1;
    },
    namespaces: async (pid): Promise<SandboxNetworkNamespaces> => {
      const sandbox = sandboxes[byPid.get(pid) as string] ?? {};
      return { namespaces: new Map(Object.entries(sandbox.namespaces ?? {}).map(([inode, paths]) => [Number(inode), paths])), tasks: 1 };
    },
    countHeld: async (netnsPath) => {
      calls.counted.push(netnsPath);
      const held = Object.values(sandboxes).find((sandbox) => sandbox.held?.[netnsPath] !== undefined)?.held?.[netnsPath];
      if (held === undefined) throw new Error(`${netnsPath} is no longer network namespace`);
      return held;
    },
    totals: async () => {
      calls.totals += 1;
      return overrides.totals ? overrides.totals(table) : { arp: table.total, ndisc: 0 };
    },
    end: async (made) => {
      if (made.id === endFails) throw new Error('Docker did not answer');
      made.ended = true;
      ended.push(made.id);
    },
    log,
    limit,
  });
  return { watchdog, table, calls, ended, logged, failEndOf: (id: string) => (endFails = id) };
}

/** A sandbox holding `held` entries in one namespace. */
const holding = (id: string, held: number): FakeSandbox => ({ namespaces: { 1: [`/proc/${id}/ns/net`] }, held: { [`/proc/${id}/ns/net`]: held } });

describe('NeighbourWatchdog', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads nothing, not even the totals, without sessions', async () => {
    const ended = session('gone');
    ended.ended = true;
    for (const sessions of [[], [ended]]) {
      const { watchdog, calls } = setup(sessions);
      await watchdog.tick(0);
      expect(calls).toEqual({ totals: 0, looked: [], counted: [] });
    }
  });

  it('below the limit, looks at one session per tick, each in turn', async () => {
    const sessions = ['a', 'b', 'c'].map(session);
    const { watchdog, table, calls } = setup(sessions);
    table.total = limit;
    for (let tick = 0; tick < 4; tick += 1) await watchdog.tick(tick * 2 * second);
    expect(calls.looked).toEqual(['a', 'b', 'c', 'a']);
    expect(calls.totals).toBe(4);
  });

  it('above the limit, looks at every session, not again within 30 s unless the tables grew by a limit', async () => {
    const sessions = ['a', 'b', 'c'].map(session);
    const { watchdog, table, calls } = setup(sessions);
    const looks = async (now: number) => {
      calls.looked.length = 0;
      await watchdog.tick(now);
      return [...calls.looked];
    };
    table.total = limit + 1;
    expect(await looks(0)).toEqual(['a', 'b', 'c']);
    // In between, the turn goes on one at a time.
    expect(await looks(2 * second)).toEqual(['a']);
    table.total = 2 * limit + 1;
    expect(await looks(4 * second)).toEqual(['b']);
    table.total = 2 * limit + 2;
    expect(await looks(6 * second)).toEqual(['a', 'b', 'c']);
    expect(await looks(35 * second)).toEqual(['c']);
    expect(await looks(36 * second)).toEqual(['a', 'b', 'c']);
  });

  it('ends a session that holds more than the limit, and logs it, but not one at the limit', async () => {
    const sessions = ['over', 'at', 'under'].map(session);
    const split = { namespaces: { 1: ['/over/1'], 2: ['/over/2'] }, held: { '/over/1': 6, '/over/2': 5 } };
    const { watchdog, table, ended, logged } = setup(sessions, { over: split, at: holding('at', limit), under: holding('under', 1) });
    table.total = 100;
    await watchdog.tick(0);
    expect(ended).toEqual(['over']);
    expect(logged).toEqual([['warn', 'sandbox.neighbours.over-limit', { session: 'over', held: 11, limit }]]);
  });

  it('stops counting a sandbox once it is over the limit', async () => {
    const greedy = { namespaces: { 1: ['/greedy/1'], 2: ['/greedy/2'] }, held: { '/greedy/1': limit + 1, '/greedy/2': 1 } };
    const { watchdog, calls, ended } = setup([session('greedy')], { greedy });
    await watchdog.tick(0);
    expect(calls.counted).toEqual(['/greedy/1']);
    expect(ended).toEqual(['greedy']);
  });

  it("counts a namespace at its next path when one no longer leads to it, and as empty when none does", async () => {
    const moved = { namespaces: { 1: ['/moved/gone', '/moved/here'] }, held: { '/moved/here': limit + 1 } };
    const vanished = { namespaces: { 1: ['/vanished/a', '/vanished/b'] } };
    const { watchdog, table, calls, ended, logged } = setup(['moved', 'vanished'].map(session), { moved, vanished });
    table.total = 100;
    await watchdog.tick(0);
    expect(calls.counted).toEqual(['/moved/gone', '/moved/here', '/vanished/a', '/vanished/b']);
    expect(ended).toEqual(['moved']);
    expect(logged.map(([, event]) => event)).toEqual(['sandbox.neighbours.over-limit']);
  });

  it('goes on to the other sessions when one sandbox is not running', async () => {
    const sessions = ['dead', 'over'].map(session);
    const { watchdog, table, ended, logged } = setup(sessions, { dead: { notRunning: new Error('the sandbox is not running') }, over: holding('over', limit + 1) });
    table.total = 100;
    await watchdog.tick(0);
    expect(ended).toEqual(['over']);
    expect(logged.map(([level, event, fields]) => [level, event, fields?.session])).toEqual([
      ['warn', 'neighbours.count.failed', 'dead'],
      ['warn', 'sandbox.neighbours.over-limit', 'over'],
    ]);
  });

  it('does not warn about a sandbox whose session ended while it was looked at', async () => {
    const { watchdog, table, calls, logged } = setup([session('ending')], { ending: { notRunning: new Error('the sandbox is not running'), endsMeanwhile: true } });
    table.total = 100;
    await watchdog.tick(0);
    expect(calls.looked).toEqual(['ending']);
    expect(logged).toEqual([]);
  });

  it('goes on to the other sessions when ending one fails', async () => {
    const sessions = ['stuck', 'over'].map(session);
    const { watchdog, table, ended, logged, failEndOf } = setup(sessions, { stuck: holding('stuck', limit + 1), over: holding('over', limit + 1) });
    failEndOf('stuck');
    table.total = 100;
    await watchdog.tick(0);
    expect(ended).toEqual(['over']);
    expect(logged.map(([level, event, fields]) => [level, event, fields?.session])).toEqual([
      ['warn', 'sandbox.neighbours.over-limit', 'stuck'],
      ['error', 'sandbox.neighbours.end.failed', 'stuck'],
      ['warn', 'sandbox.neighbours.over-limit', 'over'],
    ]);
  });

  it('logs a tick that fails and goes on at the next', async () => {
    const totals = vi.fn().mockRejectedValueOnce(new Error('no /proc')).mockResolvedValue({ arp: 0, ndisc: 0 });
    const { watchdog, calls, logged } = setup([session('a')], {}, { totals });
    await expect(watchdog.tick(0)).resolves.toBeUndefined();
    expect(logged.map(([level, event]) => [level, event])).toEqual([['error', 'neighbours.watch.failed']]);
    await watchdog.tick(2 * second);
    expect(calls.looked).toEqual(['a']);
  });

  it('does not run a tick while the last one still runs', async () => {
    let release = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { watchdog, table, calls } = setup(['a', 'b'].map(session), {}, {
      totals: async (current) => {
        await slow;
        return { arp: current.total, ndisc: 0 };
      },
    });
    const first = watchdog.tick(0);
    await watchdog.tick(1);
    expect(calls.looked).toEqual([]);
    release();
    await first;
    expect(calls.looked).toEqual(['a']);
    expect(calls.totals).toBe(1);
    table.total = 0;
    await watchdog.tick(2);
    expect(calls.looked).toEqual(['a', 'b']);
  });

  it('ticks on its interval until stopped', async () => {
    vi.useFakeTimers();
    const { watchdog, calls } = setup(['a', 'b'].map(session));
    watchdog.start(1000);
    watchdog.start(1000);
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls.looked).toEqual(['a', 'b', 'a']);
    watchdog.stop();
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls.looked).toHaveLength(3);
  });
});
