import { describe, expect, it } from 'vitest';
import { claimIndex, lessonTarget, planPool, poolLimit, reclaimFrom, type LessonPool, type WarmPoolSettings } from './warm-pool-policy.js';

const minute = 60_000;
const now = 100 * minute;
const settings = (overrides: Partial<WarmPoolSettings> = {}): WarmPoolSettings => ({
  size: 1,
  capacity: 8,
  idleMs: 10 * minute,
  demandWindowMs: minute,
  ...overrides,
});
const lesson = (name: string, overrides: Partial<LessonPool> = {}): LessonPool => ({
  lesson: name,
  ready: 0,
  starting: 0,
  lastDemandAt: now - minute,
  demand: [],
  ...overrides,
});
const situation = (lessons: LessonPool[], overrides: { learners?: number; waiting?: number; startMs?: number } = {}) => ({
  lessons,
  learners: 0,
  waiting: 0,
  startMs: 1000,
  now,
  ...overrides,
});

describe('warm pool policy: fill', () => {
  it('fills every lesson up to its size, in course order when demand ties', () => {
    const plan = planPool(settings({ size: 2 }), situation([lesson('a'), lesson('b', { ready: 1 }), lesson('c', { starting: 2 })]));
    expect(plan.fill).toEqual(['a', 'b', 'a']);
    expect(plan.retire).toEqual([]);
    expect([...plan.targets]).toEqual([['a', 2], ['b', 2], ['c', 2]]);
  });

  it('serves the lessons asked for most recently first when the room is short', () => {
    const lessons = [lesson('a', { lastDemandAt: now - 5 * minute }), lesson('b', { lastDemandAt: now - 1000 }), lesson('c', { lastDemandAt: now - 2 * minute })];
    // 8 slots, 6 held by learners: 2 for the pool.
    expect(planPool(settings(), situation(lessons, { learners: 6 })).fill).toEqual(['b', 'c']);
  });

  it('never takes slots that learners hold or wait for', () => {
    expect(planPool(settings(), situation([lesson('a'), lesson('b')], { learners: 8 })).fill).toEqual([]);
    expect(planPool(settings(), situation([lesson('a'), lesson('b')], { learners: 6, waiting: 2 })).fill).toEqual([]);
    expect(planPool(settings(), situation([lesson('a'), lesson('b')], { learners: 6, waiting: 1 })).fill).toEqual(['a']);
  });

  it('is off with size 0: nothing is started and what is ready is given up', () => {
    const plan = planPool(settings({ size: 0 }), situation([lesson('a', { ready: 2 }), lesson('b')]));
    expect(plan.fill).toEqual([]);
    expect(plan.retire).toEqual(['a', 'a']);
    expect(poolLimit(settings({ size: 0 }))).toBe(0);
  });

  it('"auto" keeps one per lesson in demand and more for a lesson many learners arrive at', () => {
    const auto = settings({ size: 'auto', capacity: 60 });
    const quiet = lesson('a', { demand: [now - 30_000] });
    // 30 learners in the last minute, a start takes 4 s: 2 arrive while one starts.
    const busy = lesson('b', { demand: Array.from({ length: 30 }, (_, i) => now - i * 1000) });
    expect(lessonTarget(auto, quiet, now, 4000)).toBe(1);
    expect(lessonTarget(auto, busy, now, 4000)).toBe(3);
    // Demand older than the window does not count.
    expect(lessonTarget(auto, lesson('c', { demand: [now - 2 * minute] }), now, 4000)).toBe(1);
    // A lesson never takes more than a quarter of the capacity, nor does the pool.
    const flood = lesson('d', { demand: Array.from({ length: 600 }, () => now) });
    expect(lessonTarget(auto, flood, now, 10_000)).toBe(15);
    expect(poolLimit(settings({ size: 'auto', capacity: 8 }))).toBe(2);
    expect(poolLimit(settings({ size: 'auto', capacity: 2 }))).toBe(1);
    expect(planPool(settings({ size: 'auto', capacity: 8 }), situation([lesson('a'), lesson('b'), lesson('c')])).fill).toEqual(['a', 'b']);
  });
});

describe('warm pool policy: claim', () => {
  it('hands out the sandbox ready longest', () => {
    expect(claimIndex([30, 10, 20])).toBe(1);
    expect(claimIndex([5])).toBe(0);
    expect(claimIndex([])).toBeUndefined();
  });
});

describe('warm pool policy: reclaim under pressure', () => {
  it('takes from the lesson asked for least recently, never from the lesson the learner wants', () => {
    const lessons = [
      lesson('a', { ready: 1, lastDemandAt: now - 1000 }),
      lesson('b', { ready: 1, lastDemandAt: now - 9 * minute }),
      lesson('c', { ready: 2, lastDemandAt: now - 3 * minute }),
      lesson('d', { ready: 0, starting: 1, lastDemandAt: now - 20 * minute }),
    ];
    expect(reclaimFrom(lessons, 'a')).toBe('b');
    expect(reclaimFrom(lessons, 'b')).toBe('c');
    expect(reclaimFrom([lesson('a', { ready: 3 })], 'a')).toBeUndefined();
    expect(reclaimFrom([lesson('a'), lesson('b', { starting: 1 })], 'a')).toBeUndefined();
  });

  it('gives up ready sandboxes when learners need the room, least wanted lessons first', () => {
    const lessons = [lesson('a', { ready: 2, lastDemandAt: now - 1000 }), lesson('b', { ready: 2, lastDemandAt: now - 2 * minute })];
    // 8 slots: 5 learners and 1 waiting leave 2 for the pool, which holds 4: each lesson keeps one.
    const plan = planPool(settings({ size: 2 }), situation(lessons, { learners: 5, waiting: 1 }));
    expect(plan.retire).toEqual(['b', 'a']);
    // One slot left: the lesson asked for most recently keeps it.
    expect(planPool(settings({ size: 2 }), situation(lessons, { learners: 7 })).retire).toEqual(['b', 'b', 'a']);
    expect(plan.fill).toEqual([]);
    // Every slot taken by learners: all of it goes.
    expect(planPool(settings({ size: 2 }), situation(lessons, { learners: 8 })).retire).toEqual(['b', 'b', 'a', 'a']);
  });

  it('counts sandboxes still starting against the room but only gives up ready ones', () => {
    const plan = planPool(settings({ size: 2 }), situation([lesson('a', { ready: 1, starting: 2 })], { learners: 7 }));
    expect(plan.retire).toEqual(['a']);
  });
});

describe('warm pool policy: expiry', () => {
  it('a lesson nobody asked for within the idle time keeps nothing; a new request brings it back', () => {
    const stale = lesson('a', { ready: 2, lastDemandAt: now - 11 * minute });
    const plan = planPool(settings({ size: 2 }), situation([stale, lesson('b')]));
    expect(plan.retire).toEqual(['a', 'a']);
    expect(plan.fill).toEqual(['b', 'b']);
    expect(plan.targets.get('a')).toBe(0);
    const asked = planPool(settings({ size: 2 }), situation([{ ...stale, ready: 0, lastDemandAt: now }, lesson('b', { ready: 2 })]));
    expect(asked.fill).toEqual(['a', 'a']);
  });

  it('does not give up a sandbox because demand dipped ("auto"), only when it expires or the room is needed', () => {
    const auto = settings({ size: 'auto', capacity: 60 });
    // Held 3 while busy; now one learner a minute: the target is 1, but the 3 stay.
    const cooled = lesson('a', { ready: 3, demand: [now - 1000] });
    expect(planPool(auto, situation([cooled])).retire).toEqual([]);
    expect(planPool(auto, situation([{ ...cooled, lastDemandAt: now - 11 * minute }])).retire).toEqual(['a', 'a', 'a']);
    expect(planPool(auto, situation([cooled], { learners: 58 })).retire).toEqual(['a']);
  });
});
