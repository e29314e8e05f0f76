import { describe, expect, it } from 'vitest';
import type { Lesson } from '../contracts/lesson.js';
import { progressResponseSchema } from '../contracts/progress.js';
import { progressResponse } from './progress-response.js';
import type { LessonProgress } from './progress-store.js';

const lesson = (slug: string, steps: string[]) => ({ slug, title: slug, steps: steps.map((id) => ({ id })) }) as unknown as Lesson;
const course = [lesson('first', ['a', 'b', 'c']), lesson('second', ['x', 'y'])];
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 9, minute));
const entry = (slug: string, passedSteps: string[], last: number, extra: Partial<LessonProgress> = {}): LessonProgress => ({
  lesson: slug,
  passedSteps,
  failedSteps: [],
  hintsOpened: [],
  solutionsShown: [],
  startedAt: at(0),
  lastActivityAt: at(last),
  ...extra,
});

describe('progressResponse', () => {
  it('measures each lesson against its steps now: total, current step, steps it no longer has left out', () => {
    const response = progressResponse(
      { id: 'x', displayName: 'Ada', classes: [{ id: 'secret-id', name: 'Monday', code: 'K7M-2QF' }] },
      [entry('second', ['x', 'y'], 5, { completedAt: at(5) }), entry('first', ['a', 'gone'], 3, { failedSteps: ['b'], hintsOpened: ['b', 'gone'] }), entry('removed-lesson', ['q'], 9)],
      course,
    );
    expect(progressResponseSchema.parse(response)).toEqual(response);
    expect(response).toEqual({
      profile: { displayName: 'Ada', classes: [{ name: 'Monday', code: 'K7M-2QF' }] },
      lessons: [
        {
          lesson: 'first',
          passedSteps: ['a'],
          totalSteps: 3,
          currentStep: 'b',
          failedSteps: ['b'],
          hintsOpened: ['b'],
          solutionsShown: [],
          startedAt: at(0).toISOString(),
          lastActivityAt: at(3).toISOString(),
        },
        {
          lesson: 'second',
          passedSteps: ['x', 'y'],
          totalSteps: 2,
          failedSteps: [],
          hintsOpened: [],
          solutionsShown: [],
          startedAt: at(0).toISOString(),
          completedAt: at(5).toISOString(),
          lastActivityAt: at(5).toISOString(),
        },
      ],
      // The latest activity is in a finished lesson: continue the unfinished one.
      continueLesson: 'first',
    });
  });

  it('has nothing to continue when every lesson touched is done, or none was', () => {
    expect(progressResponse({ id: 'x', classes: [] }, [], course)).toEqual({ profile: { classes: [] }, lessons: [] });
    const done = progressResponse({ id: 'x', classes: [] }, [entry('second', ['y', 'x'], 1, { completedAt: at(1) })], course);
    expect(done.continueLesson).toBeUndefined();
    expect(done.lessons[0]).not.toHaveProperty('currentStep');
  });
});
