import type { LessonProgress } from './progress-store.js';

/** What the database holds of one learner in one lesson, summarised per step. */
export interface LessonFacts {
  /** First passes, oldest first. */
  passes: { step: string; at: string }[];
  /** Attempts per step and outcome: how many, first and last time. */
  attempts: { step: string; passed: boolean; count: number; first: string; last: string }[];
  /** Step events per step and kind: first and last time. */
  events: { step: string; kind: string; first: string; last: string }[];
}

export const emptyFacts = (): LessonFacts => ({ passes: [], attempts: [], events: [] });

const earliest = (times: string[]) => times.reduce<string | undefined>((min, time) => (min === undefined || time < min ? time : min), undefined);
const latest = (times: string[]) => times.reduce<string | undefined>((max, time) => (max === undefined || time > max ? time : max), undefined);
const asDate = (time: string | undefined) => (time === undefined ? undefined : new Date(time));

/**
 * A lesson's progress from its facts and its steps (in lesson order): completed when every step
 * of the lesson is passed, at the last of those first passes. Times are ISO-8601 UTC text, which
 * sorts as time does.
 */
export function deriveLessonProgress(lesson: string, facts: LessonFacts, steps: readonly string[]): LessonProgress & { failedAttempts: number } {
  const passedSteps = facts.passes.map((pass) => pass.step);
  const passed = new Set(passedSteps);
  const stepOrder = (step: string) => {
    const index = steps.indexOf(step);
    return index === -1 ? steps.length : index;
  };
  const inLessonOrder = (list: Iterable<string>) => [...new Set(list)].sort((a, b) => stepOrder(a) - stepOrder(b) || a.localeCompare(b));
  const failures = facts.attempts.filter((attempt) => !attempt.passed);
  const eventSteps = (kind: string) => inLessonOrder(facts.events.filter((event) => event.kind === kind && event.step !== '').map((event) => event.step));
  const times = [
    ...facts.passes.map((pass) => pass.at),
    ...facts.attempts.flatMap((attempt) => [attempt.first, attempt.last]),
    ...facts.events.flatMap((event) => [event.first, event.last]),
  ];
  const complete = steps.length > 0 && steps.every((step) => passed.has(step));
  const completedAt = complete ? latest(facts.passes.filter((pass) => steps.includes(pass.step)).map((pass) => pass.at)) : undefined;
  const startedAt = asDate(earliest(times));
  const lastActivityAt = asDate(latest(times));
  return {
    lesson,
    passedSteps,
    failedSteps: inLessonOrder(failures.map((attempt) => attempt.step).filter((step) => !passed.has(step))),
    ...(startedAt ? { startedAt } : {}),
    ...(completedAt ? { completedAt: new Date(completedAt) } : {}),
    ...(lastActivityAt ? { lastActivityAt } : {}),
    hintsOpened: eventSteps('hint-opened'),
    solutionsShown: eventSteps('solution-shown'),
    failedAttempts: failures.reduce((sum, attempt) => sum + attempt.count, 0),
  };
}
