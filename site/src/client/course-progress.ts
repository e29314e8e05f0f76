import type { LessonProgressResponse, ProgressResponse } from '../../../sandbox-engine/src/contracts/progress.js';

/** A lesson as the course pages know it (from the lessons collection, in course order). */
export interface CourseLesson {
  slug: string;
  title: string;
  steps: { id: string; title: string }[];
}

export interface LessonStanding {
  /** Steps of the lesson the learner passed. */
  passed: number;
  total: number;
  done: boolean;
  /** "2 of 6 steps", or "Done". */
  text: string;
}

/** Where "Continue" leads: a lesson, and the step to pick up at. */
export interface ContinueTarget {
  slug: string;
  title: string;
  href: string;
  step?: { id: string; number: number; title: string };
}

/** The steps of `lesson` among `passedSteps`, in lesson order (ids the lesson no longer has are left out). */
export function passedInLesson(lesson: Pick<CourseLesson, 'steps'>, passedSteps: Iterable<string>): string[] {
  const passed = new Set(passedSteps);
  return lesson.steps.filter((step) => passed.has(step.id)).map((step) => step.id);
}

/** "N of M steps" for a lesson card, or "Done" once every step is passed. Counts only the lesson's own steps. */
export function lessonStanding(lesson: Pick<CourseLesson, 'steps'>, progress: Pick<LessonProgressResponse, 'passedSteps'> | undefined): LessonStanding {
  const total = lesson.steps.length;
  const passed = passedInLesson(lesson, progress?.passedSteps ?? []).length;
  const done = total > 0 && passed === total;
  return { passed, total, done, text: done ? 'Done' : `${passed} of ${total} ${total === 1 ? 'step' : 'steps'}` };
}

/** "N of M steps done", for a lesson page's step list. */
export function stepsDoneText(passed: number, total: number): string {
  return `${passed} of ${total} ${total === 1 ? 'step' : 'steps'} done`;
}

/**
 * The home page's "Continue": the lesson the server names (the latest one not done), at its first
 * step not passed. Nothing when the server names none, or a lesson this site does not have.
 */
export function continueTarget(course: readonly CourseLesson[], progress: ProgressResponse): ContinueTarget | undefined {
  const lesson = course.find((candidate) => candidate.slug === progress.continueLesson);
  if (!lesson) return undefined;
  const record = progress.lessons.find((entry) => entry.lesson === lesson.slug);
  const passed = new Set(record?.passedSteps ?? []);
  const index =
    record?.currentStep && lesson.steps.some((step) => step.id === record.currentStep && !passed.has(step.id))
      ? lesson.steps.findIndex((step) => step.id === record.currentStep)
      : lesson.steps.findIndex((step) => !passed.has(step.id));
  const base = `/lessons/${lesson.slug}/`;
  const step = lesson.steps[index];
  if (!step) return { slug: lesson.slug, title: lesson.title, href: base };
  return { slug: lesson.slug, title: lesson.title, href: `${base}#step-${step.id}`, step: { id: step.id, number: index + 1, title: step.title } };
}
