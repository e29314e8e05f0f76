import { describe, expect, it } from 'vitest';
import type { Lesson } from '../contracts/lesson.js';
import { createLogger } from '../log/logger.js';
import type { StartedSandbox } from './sandbox-provisioner.js';
import { WarmPool } from './warm-pool.js';

const lesson = (slug: string) => ({ slug, title: slug, summary: 's', minutes: 1, order: 0, prerequisites: [], images: [], steps: [] }) as unknown as Lesson;
const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A pool over in-memory starts the test completes by hand (the bookkeeping, not Docker, is under test). */
function harness(options: { size?: number | 'auto'; capacity?: number; lessons?: string[] } = {}) {
  let clock = 1_000_000;
  let serial = 0;
  const pending: { lesson: string; finish: (ok?: boolean) => void }[] = [];
  const removed: string[] = [];
  const learners = { holding: 0, waiting: 0 };
  const running = new Set<string>();
  const pool = new WarmPool({
    settings: { size: options.size ?? 1, capacity: options.capacity ?? 4, idleMs: 60_000 },
    lessons: (options.lessons ?? ['a', 'b']).map(lesson),
    start: (wanted, isWanted) =>
      new Promise<StartedSandbox | undefined>((resolve, reject) => {
        if (!isWanted()) return resolve(undefined);
        const id = `s${++serial}`;
        pending.push({
          lesson: wanted.slug,
          finish: (ok = true) => {
            if (!ok) return reject(new Error('no daemon'));
            running.add(id);
            resolve({ id, lesson: wanted.slug, containerId: id, containerName: id, createdAt: clock, shell: undefined });
          },
        });
      }),
    remove: async (sandbox) => {
      running.delete(sandbox.id);
      removed.push(sandbox.id);
    },
    running: async () => new Set(running),
    learners: () => learners,
    log: createLogger('error'),
    now: () => clock,
  });
  const finishAll = async () => {
    await flush();
    while (pending.length > 0) {
      for (const start of pending.splice(0)) start.finish();
      await flush();
    }
  };
  return { pool, pending, removed, learners, running, finishAll, advance: (ms: number) => (clock += ms) };
}

describe('WarmPool', () => {
  it('fills each lesson, hands a ready sandbox to one claim only, and refills', async () => {
    const { pool, finishAll } = harness();
    pool.start(60_000);
    await finishAll();
    expect(pool.readyCount('a')).toBe(1);
    expect(pool.readyCount('b')).toBe(1);
    const claims = Array.from({ length: 20 }, () => pool.claim('a'));
    const given = claims.filter((sandbox) => sandbox !== undefined);
    expect(given).toHaveLength(1);
    await finishAll();
    expect(pool.readyCount('a')).toBe(1);
    expect(pool.claim('a')!.id).not.toBe(given[0]!.id);
    pool.stop();
  });

  it('promises a start in flight to one learner of its lesson, and gives it to them when it is up', async () => {
    const { pool, pending, finishAll } = harness({ lessons: ['a'] });
    pool.start(60_000);
    await flush();
    expect(pending).toHaveLength(1);
    let got: StartedSandbox | undefined;
    expect(pool.promiseStarting('a', (sandbox) => (got = sandbox))).toBe(true);
    expect(pool.promiseStarting('a', () => undefined)).toBe(false);
    expect(pool.unreclaimable).toBe(1);
    pending[0]!.finish();
    await flush();
    expect(got?.lesson).toBe('a');
    expect(pool.readyCount('a')).toBe(0);
    await finishAll();
    pool.stop();
  });

  it('gives up a slot when learners fill the server: a ready sandbox of another lesson, or a start of one once it is up', async () => {
    const { pool, pending, removed, learners, finishAll } = harness({ capacity: 3 });
    pool.start(60_000);
    await finishAll();
    learners.holding = 1;
    // b's ready sandbox for a learner of c.
    const freed = pool.giveUpSlot('c');
    expect(freed).toBeDefined();
    await freed;
    expect(removed).toHaveLength(1);
    expect(pool.readyCount('b') + pool.readyCount('a')).toBe(1);
    // Nothing ready but a's start in flight (a's was claimed): that start's slot, freed once it is up.
    pool.claim('a');
    learners.holding = 2;
    await flush();
    expect(pending.length).toBeGreaterThan(0);
    const size = pool.size;
    let done = false;
    const slot = pool.giveUpSlot('c');
    void slot?.then(() => (done = true));
    // The slot is the learner's from now on, no longer the pool's.
    expect(pool.size).toBe(size - 1);
    await finishAll();
    expect(done).toBe(true);
    pool.stop();
  });

  it('stops filling what nobody asked for, and forgets ready sandboxes of a lesson gone idle', async () => {
    const { pool, removed, finishAll, advance } = harness();
    pool.start(60_000);
    await finishAll();
    advance(30_000);
    pool.noteDemand('a');
    advance(40_000);
    pool.wake();
    await flush();
    // b was last asked for at start-up, 70 s ago (idle after 60 s); a 40 s ago.
    expect(pool.readyCount('b')).toBe(0);
    expect(pool.readyCount('a')).toBe(1);
    expect(removed).toHaveLength(1);
    pool.stop();
  });

  it('waits a while before starting again for a lesson whose start failed', async () => {
    const { pool, pending } = harness({ lessons: ['a'] });
    pool.start(60_000);
    await flush();
    pending.splice(0)[0]!.finish(false);
    await flush();
    pool.wake();
    await flush();
    expect(pending).toHaveLength(0);
    pool.stop();
  });

  it('destroyAll removes what is ready and what was still starting', async () => {
    const { pool, pending, removed, running } = harness();
    pool.start(60_000);
    await flush();
    pending.shift()!.finish();
    await flush();
    const destroyed = pool.destroyAll();
    await flush();
    for (const start of pending.splice(0)) start.finish();
    await destroyed;
    expect(running.size).toBe(0);
    expect(removed).toHaveLength(2);
    expect(pool.size).toBe(0);
  });
});
