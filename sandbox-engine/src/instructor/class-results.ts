import type { ClassResults, ExportedAttempt, LessonResult } from '../contracts/instructor.js';
import type { Lesson } from '../contracts/lesson.js';
import type { CheckAttempt, ClassInfo, ClassLearnerRow } from '../progress/progress-store.js';
import { classSummary, lessonsInOrder } from './class-table.js';
import { toCsv } from './csv.js';

/**
 * A class's results for a grading script: a row per learner × lesson (the JSON export adds every
 * check attempt, page by page, through exportedAttempt).
 */
export function classResults(info: ClassInfo, rows: readonly ClassLearnerRow[], lessons: readonly Lesson[], now = new Date()): Omit<ClassResults, 'attempts'> {
  const ordered = lessonsInOrder(lessons);
  const learners = [...rows].sort((a, b) => a.displayName.localeCompare(b.displayName) || a.joinedAt.getTime() - b.joinedAt.getTime());
  const results: LessonResult[] = learners.flatMap((row) =>
    ordered.map((lesson) => {
      const progress = row.lessons.find((entry) => entry.lesson === lesson.slug);
      const steps = new Set(lesson.steps.map((step) => step.id));
      return {
        name: row.displayName,
        learner: row.learner,
        lesson: lesson.slug,
        lessonTitle: lesson.title,
        passedSteps: new Set(progress?.passedSteps.filter((id) => steps.has(id))).size,
        totalSteps: lesson.steps.length,
        ...(progress?.completedAt ? { completedAt: progress.completedAt.toISOString() } : {}),
        failedAttempts: progress?.failedAttempts ?? 0,
      };
    }),
  );
  return {
    class: classSummary(info),
    exportedAt: now.toISOString(),
    results,
  };
}

/** One check attempt as the JSON export writes it. */
export function exportedAttempt(attempt: CheckAttempt & { displayName: string }): ExportedAttempt {
  return {
    name: attempt.displayName,
    learner: attempt.learner,
    lesson: attempt.lesson,
    step: attempt.step,
    passed: attempt.passed,
    failedChecks: attempt.failedChecks,
    ...(attempt.message !== undefined ? { message: attempt.message } : {}),
    at: attempt.at.toISOString(),
    durationMs: attempt.durationMs,
  };
}

export const RESULT_COLUMNS = ['name', 'learner', 'lesson', 'lesson_title', 'passed_steps', 'total_steps', 'completed_at', 'failed_attempts'] as const;

/** The results as CSV, one row per learner × lesson. */
export function resultsCsv(results: readonly LessonResult[]): string {
  return toCsv(
    RESULT_COLUMNS,
    results.map((result) => [
      result.name,
      result.learner,
      result.lesson,
      result.lessonTitle,
      result.passedSteps,
      result.totalSteps,
      result.completedAt,
      result.failedAttempts,
    ]),
  );
}
