import type { ClassSummary, ClassTable, ClassTableLesson, ClassTableRow } from '../contracts/instructor.js';
import type { Lesson } from '../contracts/lesson.js';
import type { ClassInfo, ClassLearnerLesson, ClassLearnerRow } from '../progress/progress-store.js';

/** A class as the instructor's pages show it, with the path learners join by. */
export function classSummary(info: ClassInfo): ClassSummary {
  return {
    id: info.id,
    name: info.name,
    code: info.code,
    createdAt: info.createdAt.toISOString(),
    joinPath: `/join?code=${encodeURIComponent(info.code)}`,
  };
}

/** Lessons in the order the home page lists them. */
export function lessonsInOrder(lessons: readonly Lesson[]): Lesson[] {
  return [...lessons].sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
}

const latest = (progress: ClassLearnerLesson) => progress.lastActivityAt ?? progress.startedAt ?? new Date(0);

/** The step a learner is on: the first not passed of the unfinished lesson they worked on last. */
function currentStep(row: ClassLearnerRow, bySlug: Map<string, Lesson>): ClassTableRow['current'] {
  const open = row.lessons
    .map((progress) => ({ progress, lesson: bySlug.get(progress.lesson) }))
    .filter((entry): entry is { progress: ClassLearnerLesson; lesson: Lesson } => {
      if (!entry.lesson) return false;
      const passed = new Set(entry.progress.passedSteps);
      return entry.lesson.steps.some((step) => !passed.has(step.id));
    })
    .sort((a, b) => latest(b.progress).getTime() - latest(a.progress).getTime());
  const chosen = open[0];
  if (!chosen) return undefined;
  const passed = new Set(chosen.progress.passedSteps);
  const step = chosen.lesson.steps.find((candidate) => !passed.has(candidate.id))!;
  const lastPass = chosen.progress.stepPasses.filter((pass) => passed.has(pass.step)).map((pass) => pass.at).sort((a, b) => b.getTime() - a.getTime())[0];
  const since = lastPass ?? chosen.progress.startedAt;
  return {
    lesson: chosen.lesson.slug,
    lessonTitle: chosen.lesson.title,
    step: step.id,
    stepTitle: step.title,
    ...(since ? { since: since.toISOString() } : {}),
  };
}

/**
 * One learner's row: "N of M" per lesson, where they are, how it goes there. From the per-step
 * summaries of the row only: a learner's attempts grow with every check, and a table is read again
 * on every change while an instructor has it open.
 */
export function classTableRow(row: ClassLearnerRow, lessons: readonly Lesson[]): ClassTableRow {
  const bySlug = new Map(lessons.map((lesson) => [lesson.slug, lesson]));
  const cells = lessons.map((lesson) => {
    const progress = row.lessons.find((entry) => entry.lesson === lesson.slug);
    const steps = new Set(lesson.steps.map((step) => step.id));
    return {
      lesson: lesson.slug,
      passed: new Set(progress?.passedSteps.filter((id) => steps.has(id))).size,
      total: lesson.steps.length,
      ...(progress?.completedAt ? { completedAt: progress.completedAt.toISOString() } : {}),
    };
  });
  const current = currentStep(row, bySlug);
  const failedAttempts = current
    ? (row.lessons.find((progress) => progress.lesson === current.lesson)?.failuresByStep.get(current.step) ?? 0)
    : row.lessons.reduce((sum, progress) => sum + progress.failedAttempts, 0);
  const failure = row.lessons
    .filter((progress) => progress.lastFailure && bySlug.has(progress.lesson))
    .map((progress) => ({ lesson: bySlug.get(progress.lesson)!, failure: progress.lastFailure! }))
    .sort((a, b) => b.failure.at.getTime() - a.failure.at.getTime())[0];
  return {
    learner: row.learner,
    displayName: row.displayName,
    joinedAt: row.joinedAt.toISOString(),
    lessons: cells,
    ...(current ? { current } : {}),
    failedAttempts,
    ...(failure
      ? {
          lastFailure: {
            lesson: failure.lesson.slug,
            step: failure.failure.step,
            stepTitle: failure.lesson.steps.find((step) => step.id === failure.failure.step)?.title ?? failure.failure.step,
            message: failure.failure.message,
            at: failure.failure.at.toISOString(),
          },
        }
      : {}),
  };
}

/** The live table of a class: a row per learner (by name), a column per lesson (in lesson order). */
export function classTable(
  info: ClassInfo,
  rows: readonly ClassLearnerRow[],
  lessons: readonly Lesson[],
  now = new Date(),
): ClassTable {
  const ordered = lessonsInOrder(lessons);
  const tableLessons: ClassTableLesson[] = ordered.map((lesson) => ({ slug: lesson.slug, title: lesson.title, totalSteps: lesson.steps.length }));
  return {
    class: classSummary(info),
    lessons: tableLessons,
    rows: [...rows]
      .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.joinedAt.getTime() - b.joinedAt.getTime())
      .map((row) => classTableRow(row, ordered)),
    at: now.toISOString(),
  };
}
