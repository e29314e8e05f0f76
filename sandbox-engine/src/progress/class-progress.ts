import type { Kysely } from 'kysely';
import { deriveLessonProgress, type LessonFacts } from './derive-lesson-progress.js';
import { lastFailures, loadProgressFacts } from './progress-facts.js';
import type { ProgressDatabase } from './progress-schema.js';
import type { AttemptCursor, ClassAttemptsPage, ClassLearnerRow } from './progress-store.js';

/** Shown for a class member without a name (none: joining sets one). */
const UNNAMED = 'Anonymous learner';

function parseFailedChecks(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.map(String) : [];
}

/** An instructor's table: one row per member (by display name), each lesson they touched (by slug). */
export async function loadClassRows(db: Kysely<ProgressDatabase>, classId: string, stepsOf: (lesson: string) => readonly string[]): Promise<ClassLearnerRow[]> {
  const [members, facts, failures] = await Promise.all([
    db
      .selectFrom('class_members')
      .innerJoin('learners', 'learners.id', 'class_members.learner_id')
      .select(['learners.id', 'learners.display_name', 'class_members.joined_at'])
      .where('class_members.class_id', '=', classId)
      .execute(),
    loadProgressFacts(db, { classId }),
    lastFailures(db, classId),
  ]);
  const failureOf = new Map(failures.map((row) => [`${row.learner_id}/${row.lesson}`, row]));
  const rows = members.map((member): ClassLearnerRow => {
    const lessons = facts.get(member.id) ?? new Map<string, LessonFacts>();
    return {
      learner: member.id,
      displayName: member.display_name ?? UNNAMED,
      joinedAt: new Date(member.joined_at),
      lessons: [...lessons.keys()].sort().map((lesson) => {
        const lessonFacts = lessons.get(lesson)!;
        const progress = deriveLessonProgress(lesson, lessonFacts, stepsOf(lesson));
        const failure = failureOf.get(`${member.id}/${lesson}`);
        const message = failure ? (failure.message ?? parseFailedChecks(failure.failed_checks).join('; ')) : '';
        const failuresByStep = new Map<string, number>();
        for (const attempt of lessonFacts.attempts) {
          if (!attempt.passed) failuresByStep.set(attempt.step, (failuresByStep.get(attempt.step) ?? 0) + attempt.count);
        }
        return {
          lesson,
          passedSteps: progress.passedSteps,
          stepPasses: lessonFacts.passes.map((pass) => ({ step: pass.step, at: new Date(pass.at) })),
          failedAttempts: progress.failedAttempts,
          failuresByStep,
          ...(failure ? { lastFailure: { step: failure.step, message, at: new Date(failure.at) } } : {}),
          ...(progress.startedAt ? { startedAt: progress.startedAt } : {}),
          ...(progress.completedAt ? { completedAt: progress.completedAt } : {}),
          ...(progress.lastActivityAt ? { lastActivityAt: progress.lastActivityAt } : {}),
        };
      }),
    };
  });
  return rows.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.learner.localeCompare(b.learner));
}

/**
 * One page of a class's check attempts (also from before its learners joined), learner by learner,
 * each learner's in the order they were made: the export. A page reads the index on (learner, id)
 * from the cursor on, so each costs the same however long the class's history is.
 */
export async function loadClassAttemptsPage(
  db: Kysely<ProgressDatabase>,
  classId: string,
  { after, limit }: { after?: AttemptCursor; limit: number },
): Promise<ClassAttemptsPage> {
  let query = db
    .selectFrom('class_members')
    .innerJoin('attempts', 'attempts.learner_id', 'class_members.learner_id')
    .innerJoin('learners', 'learners.id', 'attempts.learner_id')
    .select([
      'attempts.id',
      'attempts.learner_id',
      'attempts.lesson',
      'attempts.step',
      'attempts.passed',
      'attempts.failed_checks',
      'attempts.message',
      'attempts.at',
      'attempts.duration_ms',
      'learners.display_name',
    ])
    .where('class_members.class_id', '=', classId);
  if (after) {
    query = query.where((eb) =>
      eb.or([eb('class_members.learner_id', '>', after.learner), eb.and([eb('class_members.learner_id', '=', after.learner), eb('attempts.id', '>', after.id)])]),
    );
  }
  const rows = await query.orderBy('class_members.learner_id').orderBy('attempts.id').limit(limit).execute();
  const last = rows.at(-1);
  return {
    attempts: rows.map((row) => ({
      learner: row.learner_id,
      displayName: row.display_name ?? UNNAMED,
      lesson: row.lesson,
      step: row.step,
      passed: row.passed === 1,
      failedChecks: parseFailedChecks(row.failed_checks),
      ...(row.message !== null ? { message: row.message } : {}),
      at: new Date(row.at),
      durationMs: row.duration_ms,
    })),
    ...(last && rows.length === limit ? { next: { learner: last.learner_id, id: Number(last.id) } } : {}),
  };
}
