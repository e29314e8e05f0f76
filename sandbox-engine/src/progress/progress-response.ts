import type { Lesson } from '../contracts/lesson.js';
import type { LearnerProfileResponse, LessonProgressResponse, ProgressResponse } from '../contracts/progress.js';
import type { LearnerProfile, LessonProgress } from './progress-store.js';

/** The profile as the learner's page sees it (class ids stay on the server). */
export function profileResponse(profile: LearnerProfile): LearnerProfileResponse {
  return {
    ...(profile.displayName !== undefined ? { displayName: profile.displayName } : {}),
    classes: profile.classes.map(({ name, code }) => ({ name, code })),
  };
}

/** One lesson's progress measured against the lesson as it is now: its steps, in its order. */
export function lessonProgressResponse(progress: LessonProgress, lesson: Lesson): LessonProgressResponse {
  const stepIds = lesson.steps.map((step) => step.id);
  const known = (step: string) => stepIds.includes(step);
  const passed = new Set(progress.passedSteps);
  const currentStep = stepIds.find((step) => !passed.has(step));
  const iso = (key: 'startedAt' | 'completedAt' | 'lastActivityAt') => {
    const date = progress[key];
    return date ? { [key]: date.toISOString() } : {};
  };
  return {
    lesson: lesson.slug,
    passedSteps: progress.passedSteps.filter(known),
    totalSteps: stepIds.length,
    ...(currentStep !== undefined ? { currentStep } : {}),
    failedSteps: progress.failedSteps.filter(known),
    hintsOpened: progress.hintsOpened.filter(known),
    solutionsShown: progress.solutionsShown.filter(known),
    ...iso('startedAt'),
    ...iso('completedAt'),
    ...iso('lastActivityAt'),
  };
}

/**
 * GET /api/progress: every lesson of the course the learner touched, in course order (lessons no
 * longer in the course are left out), and the lesson to continue: the one not done with the latest activity.
 */
export function progressResponse(profile: LearnerProfile, progress: LessonProgress[], lessons: readonly Lesson[]): ProgressResponse {
  const bySlug = new Map(progress.map((entry) => [entry.lesson, entry]));
  const touched = lessons.flatMap((lesson) => {
    const entry = bySlug.get(lesson.slug);
    return entry ? [lessonProgressResponse(entry, lesson)] : [];
  });
  const unfinished = touched.filter((entry) => entry.currentStep !== undefined);
  const latest = unfinished.reduce<LessonProgressResponse | undefined>(
    (best, entry) => (best === undefined || (entry.lastActivityAt ?? '') > (best.lastActivityAt ?? '') ? entry : best),
    undefined,
  );
  return { profile: profileResponse(profile), lessons: touched, ...(latest ? { continueLesson: latest.lesson } : {}) };
}
