import { describe, expect, it } from 'vitest';
import type { LessonProgressResponse, ProgressResponse } from '../../../sandbox-engine/src/contracts/progress.js';
import { continueTarget, lessonStanding, passedInLesson, stepsDoneText, type CourseLesson } from './course-progress.ts';

const postgres: CourseLesson = {
  slug: 'postgres-in-a-container',
  title: 'Run PostgreSQL in a container',
  steps: [
    { id: 'start-the-database', title: 'Start PostgreSQL in the background' },
    { id: 'find-the-port', title: 'See the container and find its port' },
    { id: 'connect-with-psql', title: 'Connect with psql and create a table' },
  ],
};
const images: CourseLesson = { slug: 'images-and-commits', title: 'Images and commits', steps: [{ id: 'one', title: 'One' }] };
const course = [postgres, images];

const record = (lesson: string, passedSteps: string[], extra: Partial<LessonProgressResponse> = {}): LessonProgressResponse => ({
  lesson,
  passedSteps,
  totalSteps: 3,
  failedSteps: [],
  hintsOpened: [],
  solutionsShown: [],
  ...extra,
});
const progress = (lessons: LessonProgressResponse[], continueLesson?: string): ProgressResponse => ({
  profile: { classes: [] },
  lessons,
  ...(continueLesson ? { continueLesson } : {}),
});

describe('lessonStanding', () => {
  it('says "N of M steps", counting only the lesson\'s own steps', () => {
    expect(lessonStanding(postgres, undefined)).toEqual({ passed: 0, total: 3, done: false, text: '0 of 3 steps' });
    expect(lessonStanding(postgres, record(postgres.slug, ['find-the-port', 'gone-step', 'start-the-database']))).toMatchObject({ passed: 2, text: '2 of 3 steps' });
    expect(lessonStanding(images, { passedSteps: [] }).text).toBe('0 of 1 step');
  });

  it('says "Done" once every step is passed', () => {
    expect(lessonStanding(postgres, record(postgres.slug, postgres.steps.map((step) => step.id)))).toEqual({ passed: 3, total: 3, done: true, text: 'Done' });
  });
});

describe('passedInLesson and stepsDoneText', () => {
  it('keeps the lesson order', () => {
    expect(passedInLesson(postgres, ['connect-with-psql', 'start-the-database'])).toEqual(['start-the-database', 'connect-with-psql']);
  });

  it('reads "N of M steps done"', () => {
    expect(stepsDoneText(2, 6)).toBe('2 of 6 steps done');
    expect(stepsDoneText(0, 1)).toBe('0 of 1 step done');
  });
});

describe('continueTarget', () => {
  it('leads to the server\'s lesson at its current step', () => {
    const target = continueTarget(course, progress([record(postgres.slug, ['start-the-database', 'find-the-port'], { currentStep: 'connect-with-psql' })], postgres.slug));
    expect(target).toEqual({
      slug: postgres.slug,
      title: postgres.title,
      href: '/lessons/postgres-in-a-container/#step-connect-with-psql',
      step: { id: 'connect-with-psql', number: 3, title: 'Connect with psql and create a table' },
    });
  });

  it('falls back to the first step not passed when the current step is unknown or passed', () => {
    const unknown = continueTarget(course, progress([record(postgres.slug, ['start-the-database'], { currentStep: 'renamed' })], postgres.slug));
    expect(unknown?.step?.id).toBe('find-the-port');
    const passed = continueTarget(course, progress([record(postgres.slug, ['start-the-database'], { currentStep: 'start-the-database' })], postgres.slug));
    expect(passed?.step?.number).toBe(2);
    expect(continueTarget(course, progress([], images.slug))?.href).toBe('/lessons/images-and-commits/#step-one');
  });

  it('offers nothing without a lesson to continue, or for a lesson this site does not have', () => {
    expect(continueTarget(course, progress([record(postgres.slug, ['find-the-port'])]))).toBeUndefined();
    expect(continueTarget(course, progress([], 'not-here'))).toBeUndefined();
  });
});
