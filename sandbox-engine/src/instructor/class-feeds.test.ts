import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClassTable } from '../contracts/instructor.js';
import { createLogger } from '../log/logger.js';
import { CLASS_FEED_LOAD_SPACING, ClassFeeds } from './class-feeds.js';

const table = (classId: string, learners: string[], version: number): ClassTable => ({
  class: { id: classId, name: classId, code: 'AAA-AAA', createdAt: '2026-01-01T00:00:00.000Z', joinPath: '/join?code=AAA-AAA' },
  lessons: [],
  rows: learners.map((learner) => ({ learner, displayName: `v${version}`, joinedAt: '2026-01-01T00:00:00.000Z', lessons: [], failedAttempts: 0 })),
  at: new Date(version).toISOString(),
});

describe('ClassFeeds', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup() {
    const members: Record<string, string[]> = { c1: ['ada'], c2: ['bob'] };
    let loads = 0;
    const published: string[] = [];
    const feeds = new ClassFeeds({
      load: async (classId) => (members[classId] ? table(classId, members[classId]!, ++loads) : undefined),
      publish: (classId, sent) => published.push(`${classId}:${sent.rows.map((row) => row.learner).join('+')}`),
      classesOf: async (learner) => Object.keys(members).filter((classId) => members[classId]!.includes(learner)),
      log: createLogger('error'),
      delayMs: 200,
    });
    return { feeds, members, published, loads: () => loads };
  }

  it('pushes a watched class once per burst of changes of its learners, and nothing for others', async () => {
    const { feeds, published, loads } = setup();
    feeds.watch('c1');
    await feeds.current('c1');
    const before = loads();
    for (let change = 0; change < 20; change++) feeds.changed('ada');
    feeds.changed('bob'); // in c2, which nobody watches
    await vi.advanceTimersByTimeAsync(199);
    expect(published).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(published).toEqual(['c1:ada']);
    expect(loads() - before).toBe(1);
  });

  it('finds the class of a learner who just joined it', async () => {
    const { feeds, members, published } = setup();
    feeds.watch('c1');
    await feeds.current('c1');
    members.c1!.push('eve');
    feeds.changed('eve');
    await vi.advanceTimersByTimeAsync(200);
    expect(published).toEqual(['c1:ada+eve']);
  });

  it('spaces reads out by how long the last one took: slow reads never take the whole engine', async () => {
    let clock = 0;
    let loads = 0;
    const published: number[] = [];
    const feeds = new ClassFeeds({
      // A read that holds the thread for 500 ms (a big class on SQLite).
      load: async (classId) => {
        clock += 500;
        return table(classId, ['ada'], ++loads);
      },
      publish: () => published.push(clock),
      classesOf: async () => ['c1'],
      log: createLogger('error'),
      delayMs: 200,
      now: () => clock,
    });
    feeds.watch('c1');
    await feeds.current('c1');
    feeds.changed('ada');
    await vi.advanceTimersByTimeAsync(200);
    expect(published).toHaveLength(1);
    // The learner keeps checking: the next read waits 4 × 500 ms, not 200 ms.
    feeds.changed('ada');
    await vi.advanceTimersByTimeAsync(500 * CLASS_FEED_LOAD_SPACING - 1);
    expect(published).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(published).toHaveLength(2);
  });

  it('stops once the last watcher leaves', async () => {
    const { feeds, published } = setup();
    const first = feeds.watch('c1');
    const second = feeds.watch('c1');
    await feeds.current('c1');
    first();
    feeds.changed('ada');
    await vi.advanceTimersByTimeAsync(200);
    expect(published).toHaveLength(1);
    second();
    feeds.changed('ada');
    await vi.advanceTimersByTimeAsync(1000);
    expect(published).toHaveLength(1);
  });
});
