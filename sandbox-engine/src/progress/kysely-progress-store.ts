import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from '../log/logger.js';
import { newClassCode, normalizeClassCode } from './class-code.js';
import { deriveLessonProgress, emptyFacts } from './derive-lesson-progress.js';
import { loadClassAttemptsPage, loadClassRows } from './class-progress.js';
import { loadProgressFacts } from './progress-facts.js';
import { ProgressEvents } from './progress-events.js';
import type { ProgressDatabase } from './progress-schema.js';
import type {
  AttemptCursor,
  CheckAttempt,
  ClassAttemptsPage,
  ClassInfo,
  ClassLearnerRow,
  LearnerId,
  LearnerProfile,
  LessonProgress,
  ObservableProgressStore,
  ProgressChange,
  StepEvent,
} from './progress-store.js';

export interface KyselyProgressStoreOptions {
  /** The step ids of a lesson in lesson order ([] for a lesson that no longer exists): completion needs them. */
  stepsOf: (lesson: string) => readonly string[];
  now?: () => Date;
  log?: Logger;
}

function checkLearnerId(learner: string): void {
  if (!/^[0-9a-f]{64}$/.test(learner)) throw new Error('A learner id is the sha256 (64 lowercase hex characters) of the learner key.');
}

function classInfo(row: { id: string; name: string; code: string; created_at: string }): ClassInfo {
  return { id: row.id, name: row.name, code: row.code, createdAt: new Date(row.created_at) };
}

/** The progress store on a Kysely database: the same queries for SQLite and PostgreSQL. */
export class KyselyProgressStore implements ObservableProgressStore {
  private readonly events: ProgressEvents;
  private readonly now: () => Date;

  constructor(
    private readonly db: Kysely<ProgressDatabase>,
    private readonly options: KyselyProgressStoreOptions,
  ) {
    this.events = new ProgressEvents(options.log);
    this.now = options.now ?? (() => new Date());
  }

  onChange(listener: (change: ProgressChange) => void): () => void {
    return this.events.on(listener);
  }

  private async insertLearner(db: Kysely<ProgressDatabase> | Transaction<ProgressDatabase>, learner: LearnerId): Promise<void> {
    checkLearnerId(learner);
    await db
      .insertInto('learners')
      .values({ id: learner, display_name: null, created_at: this.now().toISOString() })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  private async upsertName(db: Kysely<ProgressDatabase> | Transaction<ProgressDatabase>, learner: LearnerId, displayName: string): Promise<void> {
    checkLearnerId(learner);
    await db
      .insertInto('learners')
      .values({ id: learner, display_name: displayName, created_at: this.now().toISOString() })
      .onConflict((oc) => oc.column('id').doUpdateSet({ display_name: (eb) => eb.ref('excluded.display_name') }))
      .execute();
  }

  ensureLearner(learner: LearnerId): Promise<void> {
    return this.insertLearner(this.db, learner);
  }

  async setDisplayName(learner: LearnerId, displayName: string): Promise<void> {
    await this.upsertName(this.db, learner, displayName);
    this.events.emit({ learner, lesson: '', kind: 'profile' });
  }

  async profile(learner: LearnerId): Promise<LearnerProfile> {
    const [row, classes] = await Promise.all([
      this.db.selectFrom('learners').select('display_name').where('id', '=', learner).executeTakeFirst(),
      this.db
        .selectFrom('class_members')
        .innerJoin('classes', 'classes.id', 'class_members.class_id')
        .select(['classes.id', 'classes.name', 'classes.code'])
        .where('class_members.learner_id', '=', learner)
        .orderBy('class_members.joined_at')
        .orderBy('classes.code')
        .execute(),
    ]);
    return { id: learner, ...(row?.display_name ? { displayName: row.display_name } : {}), classes };
  }

  async recordAttempt(attempt: CheckAttempt): Promise<void> {
    const at = attempt.at.toISOString();
    await this.db.transaction().execute(async (trx) => {
      await this.insertLearner(trx, attempt.learner);
      await trx
        .insertInto('attempts')
        .values({
          learner_id: attempt.learner,
          lesson: attempt.lesson,
          step: attempt.step,
          passed: attempt.passed ? 1 : 0,
          failed_checks: JSON.stringify(attempt.failedChecks),
          message: attempt.message ?? null,
          at,
          duration_ms: Math.max(0, Math.round(attempt.durationMs)),
        })
        .execute();
      if (!attempt.passed) return;
      // The primary key keeps the first pass; a concurrent second pass of the same step is a no-op.
      await trx
        .insertInto('step_passes')
        .values({ learner_id: attempt.learner, lesson: attempt.lesson, step: attempt.step, passed_at: at })
        .onConflict((oc) => oc.columns(['learner_id', 'lesson', 'step']).doNothing())
        .execute();
    });
    this.events.emit({ learner: attempt.learner, lesson: attempt.lesson, kind: 'attempt' });
  }

  async recordEvent(event: StepEvent): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.insertLearner(trx, event.learner);
      await trx
        .insertInto('step_events')
        .values({ learner_id: event.learner, lesson: event.lesson, step: event.step, kind: event.kind, at: event.at.toISOString() })
        .execute();
    });
    this.events.emit({ learner: event.learner, lesson: event.lesson, kind: 'event' });
  }

  async progress(learner: LearnerId): Promise<LessonProgress[]> {
    const lessons = (await loadProgressFacts(this.db, { learner })).get(learner) ?? new Map();
    return [...lessons.keys()].sort().map((lesson) => this.derive(lesson, lessons.get(lesson)!));
  }

  async lessonProgress(learner: LearnerId, lesson: string): Promise<LessonProgress> {
    const facts = (await loadProgressFacts(this.db, { learner, lesson })).get(learner)?.get(lesson) ?? emptyFacts();
    return this.derive(lesson, facts);
  }

  async passedSteps(learner: LearnerId, lesson: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('step_passes')
      .select('step')
      .where('learner_id', '=', learner)
      .where('lesson', '=', lesson)
      .orderBy('passed_at')
      .orderBy('step')
      .execute();
    return rows.map((row) => row.step);
  }

  private derive(lesson: string, facts: Parameters<typeof deriveLessonProgress>[1]): LessonProgress {
    const { failedAttempts: _failedAttempts, ...progress } = deriveLessonProgress(lesson, facts, this.options.stepsOf(lesson));
    return progress;
  }

  async createClass(name: string): Promise<ClassInfo> {
    const trimmed = name.trim();
    if (trimmed === '') throw new Error('A class needs a name.');
    // A code already taken is drawn again (one chance in hundreds of millions per class).
    for (let tries = 0; tries < 10; tries++) {
      const info: ClassInfo = { id: randomUUID(), name: trimmed, code: newClassCode(), createdAt: this.now() };
      const inserted = await this.db
        .insertInto('classes')
        .values({ id: info.id, name: info.name, code: info.code, created_at: info.createdAt.toISOString() })
        .onConflict((oc) => oc.column('code').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return info;
    }
    throw new Error('No free class code was found: try again.');
  }

  async renewClassCode(classId: string): Promise<ClassInfo | undefined> {
    // A code already taken is drawn again: the update fails on the unique code.
    for (let tries = 0; ; tries++) {
      try {
        const updated = await this.db.updateTable('classes').set({ code: newClassCode() }).where('id', '=', classId).executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return undefined;
        const row = await this.db.selectFrom('classes').selectAll().where('id', '=', classId).executeTakeFirst();
        return row ? classInfo(row) : undefined;
      } catch (error) {
        if (tries >= 9) throw error;
      }
    }
  }

  async leaveClass(classId: string, learner: LearnerId): Promise<boolean> {
    const removed = await this.db.deleteFrom('class_members').where('class_id', '=', classId).where('learner_id', '=', learner).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) return false;
    this.events.emit({ learner, lesson: '', kind: 'left' });
    return true;
  }

  async classes(): Promise<ClassInfo[]> {
    const rows = await this.db.selectFrom('classes').selectAll().orderBy('created_at', 'desc').orderBy('code').execute();
    return rows.map(classInfo);
  }

  async classByCode(code: string): Promise<ClassInfo | undefined> {
    const normalized = normalizeClassCode(code);
    if (!normalized) return undefined;
    const row = await this.db.selectFrom('classes').selectAll().where('code', '=', normalized).executeTakeFirst();
    return row ? classInfo(row) : undefined;
  }

  async joinClass(learner: LearnerId, classId: string, displayName: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const known = await trx.selectFrom('classes').select('id').where('id', '=', classId).executeTakeFirst();
      if (!known) throw new Error(`There is no class ${classId}.`);
      await this.upsertName(trx, learner, displayName);
      await trx
        .insertInto('class_members')
        .values({ class_id: classId, learner_id: learner, joined_at: this.now().toISOString() })
        .onConflict((oc) => oc.columns(['class_id', 'learner_id']).doNothing())
        .execute();
    });
    this.events.emit({ learner, lesson: '', kind: 'joined' });
  }

  classRows(classId: string): Promise<ClassLearnerRow[]> {
    return loadClassRows(this.db, classId, this.options.stepsOf);
  }

  classAttemptsPage(classId: string, page: { after?: AttemptCursor; limit: number }): Promise<ClassAttemptsPage> {
    return loadClassAttemptsPage(this.db, classId, page);
  }

  async close(): Promise<void> {
    this.events.clear();
    await this.db.destroy();
  }
}
