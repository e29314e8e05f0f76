import type { Kysely } from 'kysely';
import { emptyFacts, type LessonFacts } from './derive-lesson-progress.js';
import type { ProgressDatabase } from './progress-schema.js';

/** Whose facts: one learner (optionally one lesson of theirs), or every member of a class. */
export type FactsScope = { learner: string; lesson?: string } | { classId: string };

/** learner → lesson → facts. */
export type FactsByLearner = Map<string, Map<string, LessonFacts>>;

function learnerIds(db: Kysely<ProgressDatabase>, scope: FactsScope) {
  return 'classId' in scope ? db.selectFrom('class_members').select('class_members.learner_id').where('class_members.class_id', '=', scope.classId) : [scope.learner];
}

/**
 * The facts progress is derived from, in three grouped queries (passes, attempts per step and
 * outcome, events per step and kind), whatever the number of learners in scope.
 */
export async function loadProgressFacts(db: Kysely<ProgressDatabase>, scope: FactsScope): Promise<FactsByLearner> {
  const lesson = 'lesson' in scope ? scope.lesson : undefined;
  const [passes, attempts, events] = await Promise.all([
    db
      .selectFrom('step_passes')
      .select(['learner_id', 'lesson', 'step', 'passed_at'])
      .where('learner_id', 'in', learnerIds(db, scope))
      .$if(lesson !== undefined, (qb) => qb.where('lesson', '=', lesson!))
      .orderBy('passed_at')
      .orderBy('step')
      .execute(),
    db
      .selectFrom('attempts')
      .select((eb) => ['learner_id', 'lesson', 'step', 'passed', eb.fn.countAll().as('count'), eb.fn.min('at').as('first'), eb.fn.max('at').as('last')])
      .where('learner_id', 'in', learnerIds(db, scope))
      .$if(lesson !== undefined, (qb) => qb.where('lesson', '=', lesson!))
      .groupBy(['learner_id', 'lesson', 'step', 'passed'])
      .execute(),
    db
      .selectFrom('step_events')
      .select((eb) => ['learner_id', 'lesson', 'step', 'kind', eb.fn.min('at').as('first'), eb.fn.max('at').as('last')])
      .where('learner_id', 'in', learnerIds(db, scope))
      .$if(lesson !== undefined, (qb) => qb.where('lesson', '=', lesson!))
      .groupBy(['learner_id', 'lesson', 'step', 'kind'])
      .execute(),
  ]);
  const byLearner: FactsByLearner = new Map();
  const factsOf = (learner: string, lessonSlug: string) => {
    let lessons = byLearner.get(learner);
    if (!lessons) byLearner.set(learner, (lessons = new Map()));
    let facts = lessons.get(lessonSlug);
    if (!facts) lessons.set(lessonSlug, (facts = emptyFacts()));
    return facts;
  };
  for (const row of passes) factsOf(row.learner_id, row.lesson).passes.push({ step: row.step, at: row.passed_at });
  for (const row of attempts) {
    factsOf(row.learner_id, row.lesson).attempts.push({ step: row.step, passed: row.passed === 1, count: Number(row.count), first: row.first, last: row.last });
  }
  for (const row of events) factsOf(row.learner_id, row.lesson).events.push({ step: row.step, kind: row.kind, first: row.first, last: row.last });
  return byLearner;
}

/** The latest failed attempt of each class member in each lesson (for the instructor's "last failure"). */
export async function lastFailures(db: Kysely<ProgressDatabase>, classId: string) {
  const latestIds = db
    .selectFrom('attempts')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('passed', '=', 0)
    .where('learner_id', 'in', learnerIds(db, { classId }))
    .groupBy(['learner_id', 'lesson']);
  return db.selectFrom('attempts').select(['learner_id', 'lesson', 'step', 'message', 'failed_checks', 'at']).where('id', 'in', latestIds).execute();
}
