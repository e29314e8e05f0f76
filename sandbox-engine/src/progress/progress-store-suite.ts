import { afterEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createLogger } from '../log/logger.js';
import { openProgressDb, type ProgressDbLocation } from './open-progress-db.js';
import { openProgressStore } from './open-progress-store.js';
import { progressMigrations } from './progress-migrations.js';
import type { CheckAttempt, ObservableProgressStore, ProgressChange } from './progress-store.js';

/** A database of its own for one test: where it is (a SQLite file, or a PostgreSQL URL), and how to remove it. */
export interface ProgressDbFixture {
  options: ProgressDbLocation;
  dispose(): Promise<void>;
}

const log = createLogger('error', {}, () => true);
const lessons: Record<string, string[]> = { 'first-lesson': ['one', 'two', 'three'], 'second-lesson': ['alpha', 'beta'] };
const stepsOf = (lesson: string) => lessons[lesson] ?? [];
const newLearner = () => createHash('sha256').update(randomBytes(32)).digest('hex');
/** Second `n` of a fixed day: times the assertions can name. */
const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 9, 0, n));

function attempt(learner: string, lesson: string, step: string, passed: boolean, second: number, message?: string): CheckAttempt {
  return { learner, lesson, step, passed, failedChecks: passed ? [] : [`container ${step} running`], ...(message ? { message } : {}), at: at(second), durationMs: 120 };
}

/**
 * The progress store's behaviour, the same for every database it runs on: run by the unit tests on
 * SQLite and by an integration test on PostgreSQL.
 */
export function progressStoreSuite(label: string, newDatabase: () => Promise<ProgressDbFixture>): void {
  describe(`progress store (${label})`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    const database = async () => {
      const fixture = await newDatabase();
      cleanups.push(() => fixture.dispose());
      const open = async (): Promise<ObservableProgressStore> => {
        const store = await openProgressStore({ ...fixture.options, log, stepsOf });
        let closed = false;
        cleanups.push(async () => {
          if (!closed) await store.close();
        });
        const close = store.close.bind(store);
        store.close = async () => {
          closed = true;
          await close();
        };
        return store;
      };
      return { fixture, open };
    };

    it('records attempts and derives a lesson: passed, failed, started, completed', async () => {
      const store = await (await database()).open();
      const learner = newLearner();
      await store.recordAttempt(attempt(learner, 'first-lesson', 'one', false, 10, 'db is not running'));
      await store.recordAttempt(attempt(learner, 'first-lesson', 'one', true, 20));
      await store.recordAttempt(attempt(learner, 'first-lesson', 'two', true, 30));
      await store.recordAttempt(attempt(learner, 'first-lesson', 'three', false, 40));
      const partway = await store.lessonProgress(learner, 'first-lesson');
      expect(partway).toMatchObject({ lesson: 'first-lesson', passedSteps: ['one', 'two'], failedSteps: ['three'], startedAt: at(10), lastActivityAt: at(40) });
      expect(partway.completedAt).toBeUndefined();

      await store.recordAttempt(attempt(learner, 'first-lesson', 'three', true, 50));
      const done = await store.lessonProgress(learner, 'first-lesson');
      expect(done).toMatchObject({ passedSteps: ['one', 'two', 'three'], failedSteps: [], startedAt: at(10), completedAt: at(50), lastActivityAt: at(50) });
      expect(await store.passedSteps(learner, 'first-lesson')).toEqual(['one', 'two', 'three']);
    });

    it('keeps the first pass of a step only: passing again changes neither the list nor the completion time', async () => {
      const store = await (await database()).open();
      const learner = newLearner();
      await store.recordAttempt(attempt(learner, 'second-lesson', 'alpha', true, 5));
      await store.recordAttempt(attempt(learner, 'second-lesson', 'beta', true, 6));
      await store.recordAttempt(attempt(learner, 'second-lesson', 'alpha', true, 7));
      await store.recordAttempt(attempt(learner, 'second-lesson', 'beta', true, 8));
      expect(await store.passedSteps(learner, 'second-lesson')).toEqual(['alpha', 'beta']);
      expect(await store.lessonProgress(learner, 'second-lesson')).toMatchObject({ passedSteps: ['alpha', 'beta'], completedAt: at(6), lastActivityAt: at(8) });
    });

    it('derives hints, solutions and the start from step events; lessons untouched or of others stay empty', async () => {
      const store = await (await database()).open();
      const [learner, other] = [newLearner(), newLearner()];
      await store.recordEvent({ learner, lesson: 'first-lesson', step: '', kind: 'lesson-started', at: at(1) });
      await store.recordEvent({ learner, lesson: 'first-lesson', step: 'two', kind: 'hint-opened', at: at(3) });
      await store.recordEvent({ learner, lesson: 'first-lesson', step: 'one', kind: 'hint-opened', at: at(4) });
      await store.recordEvent({ learner, lesson: 'first-lesson', step: 'two', kind: 'hint-opened', at: at(5) });
      await store.recordEvent({ learner, lesson: 'first-lesson', step: 'two', kind: 'solution-shown', at: at(6) });
      await store.recordAttempt(attempt(other, 'second-lesson', 'alpha', true, 2));
      expect(await store.lessonProgress(learner, 'first-lesson')).toEqual({
        lesson: 'first-lesson',
        passedSteps: [],
        failedSteps: [],
        hintsOpened: ['one', 'two'],
        solutionsShown: ['two'],
        startedAt: at(1),
        lastActivityAt: at(6),
      });
      expect((await store.progress(learner)).map((lesson) => lesson.lesson)).toEqual(['first-lesson']);
      expect(await store.lessonProgress(learner, 'second-lesson')).toEqual({ lesson: 'second-lesson', passedSteps: [], failedSteps: [], hintsOpened: [], solutionsShown: [] });
      expect(await store.progress(newLearner())).toEqual([]);
    });

    it('lists every lesson a learner touched, by slug', async () => {
      const store = await (await database()).open();
      const learner = newLearner();
      await store.recordAttempt(attempt(learner, 'second-lesson', 'alpha', true, 1));
      await store.recordAttempt(attempt(learner, 'first-lesson', 'one', false, 2));
      const progress = await store.progress(learner);
      expect(progress.map((lesson) => [lesson.lesson, lesson.passedSteps, lesson.failedSteps])).toEqual([
        ['first-lesson', [], ['one']],
        ['second-lesson', ['alpha'], []],
      ]);
    });

    it('creates classes with short codes and finds them by code as typed', async () => {
      const store = await (await database()).open();
      const first = await store.createClass('  Monday group ');
      const second = await store.createClass('Tuesday group');
      expect(first.code).toMatch(/^[A-Z0-9]{3}-[A-Z0-9]{3}$/);
      expect(first.name).toBe('Monday group');
      expect(second.code).not.toBe(first.code);
      expect(await store.classByCode(first.code)).toEqual(first);
      expect(await store.classByCode(first.code.toLowerCase().replace('-', ''))).toEqual(first);
      expect(await store.classByCode('ZZZ-ZZZ')).toBeUndefined();
      expect(await store.classByCode('not a code')).toBeUndefined();
      expect((await store.classes()).map((info) => info.id).sort()).toEqual([first.id, second.id].sort());
      await expect(store.createClass('   ')).rejects.toThrow(/name/);
    });

    it('joins a learner to a class once, with their display name in their profile', async () => {
      const store = await (await database()).open();
      const info = await store.createClass('Evening class');
      const learner = newLearner();
      expect(await store.profile(learner)).toEqual({ id: learner, classes: [] });
      await store.joinClass(learner, info.id, 'Ada');
      await store.joinClass(learner, info.id, 'Ada L.');
      expect(await store.profile(learner)).toEqual({ id: learner, displayName: 'Ada L.', classes: [{ id: info.id, name: 'Evening class', code: info.code }] });
      expect(await store.classRows(info.id)).toHaveLength(1);
      await store.setDisplayName(learner, 'Ada Lovelace');
      expect((await store.profile(learner)).displayName).toBe('Ada Lovelace');
      await expect(store.joinClass(learner, 'no-such-class', 'Ada')).rejects.toThrow(/no class/);
      await expect(store.ensureLearner('not-a-hash')).rejects.toThrow(/sha256/);
    });

    it("gives an instructor one row per member: passes, failures, last failure, times; others' work stays out", async () => {
      const store = await (await database()).open();
      const info = await store.createClass('Rows');
      const [ada, grace, stranger] = [newLearner(), newLearner(), newLearner()];
      await store.joinClass(ada, info.id, 'Ada');
      await store.joinClass(grace, info.id, 'Grace');
      await store.recordAttempt(attempt(ada, 'first-lesson', 'one', false, 1, 'first failure'));
      await store.recordAttempt(attempt(ada, 'first-lesson', 'one', false, 2, 'second failure'));
      await store.recordAttempt(attempt(ada, 'first-lesson', 'one', true, 3));
      await store.recordAttempt(attempt(ada, 'second-lesson', 'alpha', true, 4));
      await store.recordAttempt(attempt(ada, 'second-lesson', 'beta', true, 5));
      await store.recordAttempt(attempt(stranger, 'first-lesson', 'one', false, 6, 'not in the class'));
      const rows = await store.classRows(info.id);
      expect(rows.map((row) => row.displayName)).toEqual(['Ada', 'Grace']);
      const [adaRow, graceRow] = rows;
      expect(adaRow!.learner).toBe(ada);
      expect(adaRow!.lessons).toEqual([
        {
          lesson: 'first-lesson',
          passedSteps: ['one'],
          stepPasses: [{ step: 'one', at: at(3) }],
          failedAttempts: 2,
          failuresByStep: new Map([['one', 2]]),
          lastFailure: { step: 'one', message: 'second failure', at: at(2) },
          startedAt: at(1),
          lastActivityAt: at(3),
        },
        {
          lesson: 'second-lesson',
          passedSteps: ['alpha', 'beta'],
          stepPasses: [
            { step: 'alpha', at: at(4) },
            { step: 'beta', at: at(5) },
          ],
          failedAttempts: 0,
          failuresByStep: new Map(),
          startedAt: at(4),
          completedAt: at(5),
          lastActivityAt: at(5),
        },
      ]);
      expect(graceRow).toMatchObject({ learner: grace, lessons: [] });
      expect(graceRow!.joinedAt).toBeInstanceOf(Date);
      expect(await store.classRows('no-such-class')).toEqual([]);
    });

    it("exports every attempt of a class's learners, each learner's in the order recorded", async () => {
      const store = await (await database()).open();
      const info = await store.createClass('Export');
      const [ada, stranger] = [newLearner(), newLearner()];
      await store.joinClass(ada, info.id, 'Ada');
      await store.recordAttempt(attempt(ada, 'first-lesson', 'two', true, 9));
      await store.recordAttempt(attempt(ada, 'first-lesson', 'one', false, 8, 'db is not running'));
      await store.recordAttempt(attempt(stranger, 'first-lesson', 'one', true, 7));
      expect(await store.classAttemptsPage(info.id, { limit: 10 })).toEqual({
        attempts: [
          { ...attempt(ada, 'first-lesson', 'two', true, 9), displayName: 'Ada' },
          { ...attempt(ada, 'first-lesson', 'one', false, 8, 'db is not running'), displayName: 'Ada' },
        ],
      });
    });

    it('takes a learner out of a class (their progress stays theirs) and gives a class a new join code', async () => {
      const store = await (await database()).open();
      const info = await store.createClass('Spammed');
      const [ada, fake] = [newLearner(), newLearner()];
      await store.joinClass(ada, info.id, 'Ada');
      await store.joinClass(fake, info.id, 'Not a learner');
      await store.recordAttempt(attempt(fake, 'first-lesson', 'one', true, 3));
      const changes: ProgressChange[] = [];
      store.onChange((change) => changes.push(change));
      expect(await store.leaveClass(info.id, fake)).toBe(true);
      expect(await store.leaveClass(info.id, fake)).toBe(false);
      expect(changes).toEqual([{ learner: fake, lesson: '', kind: 'left' }]);
      expect((await store.classRows(info.id)).map((row) => row.displayName)).toEqual(['Ada']);
      expect((await store.classAttemptsPage(info.id, { limit: 10 })).attempts).toEqual([]);
      expect(await store.passedSteps(fake, 'first-lesson')).toEqual(['one']);

      const renewed = await store.renewClassCode(info.id);
      expect(renewed).toMatchObject({ id: info.id, name: 'Spammed' });
      expect(renewed!.code).not.toBe(info.code);
      expect(await store.classByCode(info.code)).toBeUndefined();
      expect((await store.classByCode(renewed!.code))?.id).toBe(info.id);
      expect(await store.renewClassCode('no-such-class')).toBeUndefined();
    });

    it('tells listeners of each change it records, until they stop listening', async () => {
      const store = await (await database()).open();
      const info = await store.createClass('Live');
      const learner = newLearner();
      const changes: ProgressChange[] = [];
      const stop = store.onChange((change) => changes.push(change));
      store.onChange(() => {
        throw new Error('a broken listener');
      });
      await store.joinClass(learner, info.id, 'Ada');
      await store.recordAttempt(attempt(learner, 'first-lesson', 'one', true, 1));
      await store.recordEvent({ learner, lesson: 'first-lesson', step: 'two', kind: 'hint-opened', at: at(2) });
      await store.setDisplayName(learner, 'Ada L.');
      stop();
      await store.recordAttempt(attempt(learner, 'first-lesson', 'two', true, 3));
      expect(changes).toEqual([
        { learner, lesson: '', kind: 'joined' },
        { learner, lesson: 'first-lesson', kind: 'attempt' },
        { learner, lesson: 'first-lesson', kind: 'event' },
        { learner, lesson: '', kind: 'profile' },
      ]);
    });

    it('migrates once: reopening an up-to-date database changes nothing, and what was recorded is still there', async () => {
      const { fixture, open } = await database();
      const learner = newLearner();
      const first = await open();
      const info = await first.createClass('Durable');
      await first.joinClass(learner, info.id, 'Ada');
      await first.recordAttempt(attempt(learner, 'second-lesson', 'alpha', true, 1));
      await first.recordEvent({ learner, lesson: 'second-lesson', step: 'beta', kind: 'solution-shown', at: at(2) });
      await first.close();

      const second = await open();
      expect(await second.passedSteps(learner, 'second-lesson')).toEqual(['alpha']);
      expect(await second.lessonProgress(learner, 'second-lesson')).toMatchObject({ solutionsShown: ['beta'], startedAt: at(1) });
      expect(await second.classByCode(info.code)).toEqual(info);
      expect((await second.classRows(info.id)).map((row) => row.displayName)).toEqual(['Ada']);
      await second.close();

      const { db } = await openProgressDb({ ...fixture.options, log });
      try {
        const applied = await db.selectFrom('progress_migrations' as never).selectAll().execute();
        expect(applied).toHaveLength(Object.keys(await progressMigrations('sqlite').getMigrations()).length);
      } finally {
        await db.destroy();
      }
    });

    // 1000 transactions, each committed to disk (synchronous=FULL): seconds, not the unit default of 5.
    it('loses and duplicates nothing when 50 learners record 20 attempts each, all at once', { timeout: 120_000 }, async () => {
      const store = await (await database()).open();
      const info = await store.createClass('Busy');
      const learners = Array.from({ length: 50 }, newLearner);
      await Promise.all(learners.map((learner, index) => store.joinClass(learner, info.id, `Learner ${String(index).padStart(2, '0')}`)));
      const steps = stepsOf('first-lesson');
      // Per learner: every step of the lesson failed, then passed several times, every attempt at once.
      const attempts = learners.flatMap((learner) =>
        Array.from({ length: 20 }, (_, index) => attempt(learner, 'first-lesson', steps[index % steps.length]!, index >= steps.length, index)),
      );
      await Promise.all(attempts.map((one) => store.recordAttempt(one)));

      // Read a page at a time, as the export does: 1,000 attempts in pages of 64, none twice, none left out.
      const exported = [];
      let page = await store.classAttemptsPage(info.id, { limit: 64 });
      exported.push(...page.attempts);
      while (page.next) {
        page = await store.classAttemptsPage(info.id, { after: page.next, limit: 64 });
        exported.push(...page.attempts);
      }
      expect(new Set(exported.map((one) => `${one.learner}/${one.at.getTime()}`)).size).toBe(50 * 20);
      expect(exported.map((one) => one.learner)).toEqual([...learners].sort().flatMap((learner) => Array(20).fill(learner)));
      expect(exported).toHaveLength(50 * 20);
      const rows = await store.classRows(info.id);
      expect(rows).toHaveLength(50);
      for (const row of rows) {
        expect(row.lessons).toHaveLength(1);
        expect([...row.lessons[0]!.passedSteps].sort()).toEqual([...steps].sort());
        expect(row.lessons[0]!.failedAttempts).toBe(steps.length);
        expect(row.lessons[0]!.completedAt).toBeInstanceOf(Date);
      }
      for (const learner of learners) {
        expect(exported.filter((one) => one.learner === learner)).toHaveLength(20);
        expect(await store.passedSteps(learner, 'first-lesson')).toHaveLength(steps.length);
      }
    });
  });
}
