import { describe, expect, it } from 'vitest';
import { deriveLessonProgress, emptyFacts } from './derive-lesson-progress.js';

const t = (second: number) => new Date(Date.UTC(2026, 0, 1, 9, 0, second)).toISOString();

describe('deriveLessonProgress', () => {
  it('is empty for a lesson without facts', () => {
    expect(deriveLessonProgress('l', emptyFacts(), ['a'])).toEqual({ lesson: 'l', passedSteps: [], failedSteps: [], hintsOpened: [], solutionsShown: [], failedAttempts: 0 });
  });

  it('orders failed steps and hints as the lesson does, and leaves passed steps out of the failed ones', () => {
    const progress = deriveLessonProgress(
      'l',
      {
        passes: [{ step: 'b', at: t(5) }],
        attempts: [
          { step: 'c', passed: false, count: 2, first: t(3), last: t(9) },
          { step: 'a', passed: false, count: 1, first: t(2), last: t(2) },
          { step: 'b', passed: false, count: 4, first: t(1), last: t(4) },
          { step: 'b', passed: true, count: 2, first: t(5), last: t(8) },
        ],
        events: [
          { step: 'c', kind: 'hint-opened', first: t(6), last: t(6) },
          { step: 'a', kind: 'hint-opened', first: t(7), last: t(7) },
          { step: '', kind: 'lesson-started', first: t(0), last: t(0) },
        ],
      },
      ['a', 'b', 'c'],
    );
    expect(progress).toEqual({
      lesson: 'l',
      passedSteps: ['b'],
      failedSteps: ['a', 'c'],
      hintsOpened: ['a', 'c'],
      solutionsShown: [],
      startedAt: new Date(t(0)),
      lastActivityAt: new Date(t(9)),
      failedAttempts: 7,
    });
  });

  it('completes when every step of the lesson passed, at the last first pass; steps it no longer has do not count', () => {
    const facts = { ...emptyFacts(), passes: [{ step: 'a', at: t(1) }, { step: 'old', at: t(2) }, { step: 'b', at: t(3) }] };
    expect(deriveLessonProgress('l', facts, ['a', 'b']).completedAt).toEqual(new Date(t(3)));
    expect(deriveLessonProgress('l', facts, ['a', 'b', 'c']).completedAt).toBeUndefined();
    expect(deriveLessonProgress('l', facts, []).completedAt).toBeUndefined();
  });
});
