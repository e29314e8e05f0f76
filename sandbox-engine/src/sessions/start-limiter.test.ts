import { describe, expect, it } from 'vitest';
import { StartLimiter } from './start-limiter.js';

/** A task that runs until released, recording when it started. */
function gate(log: string[], name: string) {
  let release!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    release = () => resolve(name);
    fail = reject;
  });
  return {
    task: () => {
      log.push(name);
      return done;
    },
    release,
    fail,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('StartLimiter', () => {
  it('runs at most max at once; the rest start first come, first served as slots free', async () => {
    const limiter = new StartLimiter(2);
    const log: string[] = [];
    const gates = ['a', 'b', 'c', 'd'].map((name) => gate(log, name));
    const results = gates.map((g) => limiter.run(g.task));
    expect(log).toEqual(['a', 'b']);
    expect(limiter.running).toBe(2);
    expect(limiter.waiting()).toBe(2);
    gates[1]!.release();
    await tick();
    expect(log).toEqual(['a', 'b', 'c']);
    gates[0]!.release();
    gates[2]!.release();
    await tick();
    expect(log).toEqual(['a', 'b', 'c', 'd']);
    gates[3]!.release();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
    expect(limiter.running).toBe(0);
  });

  it('lets every waiting learner start before the pool', async () => {
    const limiter = new StartLimiter(1);
    const log: string[] = [];
    const first = gate(log, 'learner-1');
    const pool = gate(log, 'pool');
    const second = gate(log, 'learner-2');
    void limiter.run(first.task);
    const pooled = limiter.run(pool.task, 'pool');
    const learner = limiter.run(second.task);
    expect(limiter.waiting('pool')).toBe(1);
    first.release();
    await tick();
    expect(log).toEqual(['learner-1', 'learner-2']);
    second.release();
    await learner;
    await tick();
    expect(log).toEqual(['learner-1', 'learner-2', 'pool']);
    pool.release();
    expect(await pooled).toBe('pool');
  });

  it('frees the slot of a task that fails or throws, and passes the failure on', async () => {
    const limiter = new StartLimiter(1);
    const log: string[] = [];
    const failing = gate(log, 'failing');
    const failed = limiter.run(failing.task);
    const thrown = limiter.run(() => {
      throw new Error('at once');
    });
    const after = gate(log, 'after');
    const last = limiter.run(after.task);
    failing.fail(new Error('no daemon'));
    await expect(failed).rejects.toThrow('no daemon');
    await expect(thrown).rejects.toThrow('at once');
    await tick();
    expect(log).toEqual(['failing', 'after']);
    after.release();
    expect(await last).toBe('after');
    expect(limiter.running).toBe(0);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new StartLimiter(0)).toThrow(/positive integer/);
  });
});

describe('StartLimiter: places and cancelling', () => {
  it("tells a waiting start's place by its ticket, learners before the pool", async () => {
    const limiter = new StartLimiter(1);
    const log: string[] = [];
    const [running, pooled, first, second] = [{}, {}, {}, {}];
    const gates = ['running', 'pool', 'first', 'second'].map((name) => gate(log, name));
    void limiter.run(gates[0]!.task, 'learner', { ticket: running });
    void limiter.run(gates[1]!.task, 'pool', { ticket: pooled });
    void limiter.run(gates[2]!.task, 'learner', { ticket: first });
    void limiter.run(gates[3]!.task, 'learner', { ticket: second });
    expect([running, first, second, pooled].map((ticket) => limiter.position(ticket))).toEqual([0, 1, 2, 3]);
    gates[0]!.release();
    await tick();
    expect([first, second, pooled].map((ticket) => limiter.position(ticket))).toEqual([0, 1, 2]);
  });

  it('takes a start out of line when its signal aborts before it runs; a running one goes on', async () => {
    const limiter = new StartLimiter(1);
    const log: string[] = [];
    const [first, second, third] = ['first', 'second', 'third'].map((name) => gate(log, name));
    const running = new AbortController();
    const waiting = new AbortController();
    const ticket = {};
    const one = limiter.run(first!.task, 'learner', { signal: running.signal });
    const two = limiter.run(second!.task, 'learner', { signal: waiting.signal });
    const three = limiter.run(third!.task, 'learner', { ticket });
    expect(limiter.position(ticket)).toBe(2);
    waiting.abort();
    running.abort();
    await expect(two).rejects.toMatchObject({ code: 'cancelled' });
    expect(limiter.position(ticket)).toBe(1);
    first!.release();
    expect(await one).toBe('first');
    await tick();
    expect(log).toEqual(['first', 'third']);
    third!.release();
    expect(await three).toBe('third');
    // Already aborted: never queued.
    await expect(limiter.run(second!.task, 'learner', { signal: waiting.signal })).rejects.toMatchObject({ code: 'cancelled' });
    expect(limiter.waiting()).toBe(0);
  });
});
