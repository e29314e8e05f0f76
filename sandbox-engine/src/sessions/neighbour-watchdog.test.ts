import { afterEach, describe, expect, it, vi } from 'vitest';
import { NeighbourCensusUnfinishedError, type NeighbourCensus } from '../isolation/neighbour-census.js';
import type { NeighbourTableTotals } from '../isolation/neighbour-table-totals.js';
import type { LogFields, Logger } from '../log/logger.js';
import { NeighbourWatchdog } from './neighbour-watchdog.js';
import { Session } from './session.js';

const second = 1000;
const limit = 10;

const session = (id: string) => new Session(id, 'lesson', 'ab'.repeat(32), `c-${id}`, `n-${id}`, 0, 1e12);

/** A sandbox as the fakes see it. */
interface FakeSandbox {
  /** The held entries its census finds. */
  held?: number;
  /** What processId throws (a sandbox that is not running). */
  notRunning?: Error;
  /** What its census throws (it timed out, its process ended meanwhile): always, or per look (null: it answers; the last one repeats). */
  censusFails?: Error | (Error | null)[];
  /** Its session ends while its process is asked for. */
  endsMeanwhile?: boolean;
  /** What its census found kept out of reach, per look (the last one repeats). */
  hidden?: NeighbourCensus['hidden'][];
  /** Namespaces whose count failed on the host's side, per look (the last one repeats). */
  skipped?: NeighbourCensus['skipped'][];
}

/** The next of a per-look list: each look takes one, the last one repeats. */
const nextOf = <T>(list: T[] | undefined): T | undefined => (list && list.length > 1 ? list.shift() : list?.[0]);

interface Overrides {
  totals?: (table: { total: number }) => Promise<NeighbourTableTotals>;
  turnEveryMs?: number;
}

function setup(sessions: Session[], sandboxes: Record<string, FakeSandbox> = {}, overrides: Overrides = {}) {
  const table = { total: 0 };
  const calls = { totals: 0, looked: [] as string[], counted: [] as { id: string; limit: number }[] };
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
    census: async (pid, made, censusLimit): Promise<NeighbourCensus> => {
      const id = byPid.get(pid) as string;
      expect(made.id).toBe(id);
      calls.counted.push({ id, limit: censusLimit });
      const sandbox = sandboxes[id] ?? {};
      const failure = Array.isArray(sandbox.censusFails) ? nextOf(sandbox.censusFails) : sandbox.censusFails;
      if (failure) throw failure;
      return { held: sandbox.held ?? 0, namespaces: 1, threads: 1, hidden: nextOf(sandbox.hidden) ?? [], skipped: nextOf(sandbox.skipped) ?? [] };
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
    ...(overrides.turnEveryMs === undefined ? {} : { turnEveryMs: overrides.turnEveryMs }),
  });
  /** The sessions one tick at `now` looks at. */
  const looks = async (now: number) => {
    calls.looked.length = 0;
    await watchdog.tick(now);
    return [...calls.looked];
  };
  return { watchdog, table, calls, ended, logged, looks, failEndOf: (id: string) => (endFails = id) };
}

const events = (logged: [string, string, LogFields | undefined][]) => logged.map(([level, event, fields]) => [level, event, fields?.session]);

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
    const { watchdog, table, calls } = setup(['a', 'b', 'c'].map(session));
    table.total = limit;
    for (let tick = 0; tick < 4; tick += 1) await watchdog.tick(tick * 2 * second);
    expect(calls.looked).toEqual(['a', 'b', 'c', 'a']);
    expect(calls.totals).toBe(4);
  });

  it('below the limit, looks at the next session only every turnEveryMs, reading the totals at every tick', async () => {
    const { calls, looks } = setup(['a', 'b'].map(session), {}, { turnEveryMs: 5 * second });
    const seen = [];
    for (let tick = 0; tick <= 6; tick += 1) seen.push(await looks(tick * 2 * second));
    expect(seen).toEqual([['a'], [], [], ['b'], [], [], ['a']]);
    expect(calls.totals).toBe(7);
  });

  it('above the limit, looks at every session, not again within 30 s unless the tables grew by a limit', async () => {
    const { table, looks } = setup(['a', 'b', 'c'].map(session));
    table.total = limit + 1;
    expect(await looks(0)).toEqual(['a', 'b', 'c']);
    // In between, the turn goes on one at a time.
    expect(await looks(2 * second)).toEqual(['a']);
    table.total = 2 * limit + 1;
    expect(await looks(6 * second)).toEqual(['b']);
    table.total = 2 * limit + 2;
    expect(await looks(8 * second)).toEqual(['a', 'b', 'c']);
    expect(await looks(37 * second)).toEqual(['c']);
    expect(await looks(38 * second)).toEqual(['a', 'b', 'c']);
  });

  it('after a full look, waits 5 s before the next even when the tables grew by more than a limit', async () => {
    const { table, looks } = setup(['a', 'b'].map(session), {}, { turnEveryMs: 60 * second });
    table.total = limit + 1;
    expect(await looks(0)).toEqual(['a', 'b']);
    table.total = 10 * limit;
    // Its first turn, then none due (turnEveryMs): the tick only reads the totals.
    expect(await looks(2 * second)).toEqual(['a']);
    expect(await looks(4 * second)).toEqual([]);
    expect(await looks(5 * second)).toEqual(['a', 'b']);
  });

  it('ends a session that holds more than the limit, and logs it, but not one at the limit', async () => {
    const { watchdog, table, calls, ended, logged } = setup(['over', 'at', 'under'].map(session), { over: { held: limit + 1 }, at: { held: limit }, under: { held: 1 } });
    table.total = 100;
    await watchdog.tick(0);
    // Each census is told the limit, so it stops counting past it.
    expect(calls.counted).toEqual(['over', 'at', 'under'].map((id) => ({ id, limit })));
    expect(ended).toEqual(['over']);
    expect(logged).toEqual([['warn', 'sandbox.neighbours.over-limit', { session: 'over', held: limit + 1, limit }]]);
  });

  it('ends a session found over the limit in its turn too', async () => {
    const { watchdog, ended } = setup(['a', 'b'].map(session), { b: { held: limit + 1 } });
    await watchdog.tick(0);
    expect(ended).toEqual([]);
    await watchdog.tick(2 * second);
    expect(ended).toEqual(['b']);
  });

  it('goes on to the other sessions when one sandbox is not running or its census fails', async () => {
    const sandboxes = { dead: { notRunning: new Error('the sandbox is not running') }, stuck: { censusFails: new Error('the neighbour census failed: timed out') }, over: { held: limit + 1 } };
    const { watchdog, table, ended, logged } = setup(['dead', 'stuck', 'over'].map(session), sandboxes);
    table.total = 100;
    await watchdog.tick(0);
    expect(ended).toEqual(['over']);
    expect(events(logged)).toEqual([
      ['warn', 'neighbours.count.failed', 'dead'],
      ['warn', 'neighbours.count.failed', 'stuck'],
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
    const { watchdog, table, ended, logged, failEndOf } = setup(['stuck', 'over'].map(session), { stuck: { held: limit + 1 }, over: { held: limit + 1 } });
    failEndOf('stuck');
    table.total = 100;
    await watchdog.tick(0);
    expect(ended).toEqual(['over']);
    expect(events(logged)).toEqual([
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

  it('ends a sandbox whose census times out on two looks in a row, not one whose census failed otherwise', async () => {
    const timeout = new NeighbourCensusUnfinishedError('took longer than 10000 ms');
    const sandboxes = { slow: { censusFails: timeout }, gone: { censusFails: new Error('the neighbour census failed: exit 2') } };
    const { watchdog, ended, logged } = setup(['slow', 'gone'].map(session), sandboxes, { turnEveryMs: 0 });
    // Each tick looks at one of them in turn: slow, gone, slow (its second timeout), gone…
    await watchdog.tick(0);
    expect(ended).toEqual([]);
    expect(events(logged)).toEqual([['warn', 'neighbours.count.failed', 'slow']]);
    for (let tick = 1; tick < 8; tick += 1) await watchdog.tick(tick * 2 * second);
    expect(ended).toEqual(['slow']);
    expect(events(logged).filter(([, event]) => event === 'sandbox.neighbours.census-unfinished')).toEqual([['warn', 'sandbox.neighbours.census-unfinished', 'slow']]);
    const gone = events(logged).filter(([, , id]) => id === 'gone');
    expect(gone.length).toBeGreaterThan(2);
    expect(new Set(gone.map(([, event]) => event))).toEqual(new Set(['neighbours.count.failed']));
  });

  it('does not end a sandbox whose timeouts come between censuses that finish, nor for another error between them', async () => {
    const timeout = new NeighbourCensusUnfinishedError('took longer than 10000 ms');
    const other = new Error('the neighbour census failed: exit 2');
    const sandboxes = {
      reset: { censusFails: [timeout, null, timeout, null, timeout, null] },
      // Another error between two timeouts is no answer: it does not reset the count.
      mixed: { censusFails: [timeout, other, timeout, null] },
    };
    const { watchdog, ended } = setup([session('reset')], { reset: sandboxes.reset });
    for (let tick = 0; tick < 8; tick += 1) await watchdog.tick(tick * 2 * second);
    expect(ended).toEqual([]);
    const run = setup([session('mixed')], { mixed: sandboxes.mixed });
    for (let tick = 0; tick < 4; tick += 1) await run.watchdog.tick(tick * 2 * second);
    expect(run.ended).toEqual(['mixed']);
  });

  it('ends a sandbox keeping the same thing out of reach on two looks in a row, not one where it went or changed', async () => {
    const covered = { inode: 7, why: 'a mount path that no longer leads to its namespace' };
    const sandboxes = {
      hides: { hidden: [[covered], [{ inode: 3, why: 'a socket kept only by a memory mapping' }, covered]] },
      race: { hidden: [[covered], [], [{ inode: 8, why: 'a mount namespace no thread is in' }], [{ inode: 9, why: 'a mount namespace no thread is in' }], []] },
      // Failures on the host's side: logged, never the sandbox's end.
      host: { skipped: [[{ inode: 5, why: 'ip exited 1' }]] },
    };
    const { watchdog, ended, logged } = setup(['hides', 'race', 'host'].map(session), sandboxes);
    for (let tick = 0; tick < 15; tick += 1) await watchdog.tick(tick * 2 * second);
    expect(ended).toEqual(['hides']);
    expect(logged.find(([, event]) => event === 'sandbox.neighbours.uncountable')?.[2]).toEqual({ session: 'hides', hidden: [covered] });
    const host = events(logged).filter(([, , id]) => id === 'host');
    expect(host.length).toBeGreaterThan(2);
    expect(new Set(host.map(([level, event]) => `${level} ${event}`))).toEqual(new Set(['warn neighbours.count.skipped']));
  });

  it('ends a sandbox over the limit at once, whatever it hides', async () => {
    const { watchdog, ended, logged } = setup([session('a')], { a: { held: limit + 1, hidden: [[{ inode: 0, why: 'more network namespaces than 128 (129)' }]] } });
    await watchdog.tick(0);
    expect(ended).toEqual(['a']);
    expect(events(logged)).toEqual([['warn', 'sandbox.neighbours.over-limit', 'a']]);
  });
});
