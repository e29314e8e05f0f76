import { describe, expect, it } from 'vitest';
import { classTableSchema } from '../contracts/instructor.js';
import { lessonFrontmatterSchema, type Lesson } from '../contracts/lesson.js';
import type { CheckAttempt, ClassInfo, ClassLearnerRow } from '../progress/progress-store.js';
import { classResults, exportedAttempt, resultsCsv } from './class-results.js';
import { classTable, classTableRow } from './class-table.js';

const lesson = (slug: string, order: number, steps: string[]): Lesson => ({
  slug,
  ...lessonFrontmatterSchema.parse({
    title: `Lesson ${slug}`,
    summary: 'A lesson.',
    minutes: 5,
    order,
    steps: steps.map((id) => ({ id, title: `Title of ${id}`, solution: ['true'], checks: [{ kind: 'history', pattern: 'x' }] })),
  }),
});

// Given out of order: the table follows `order`.
const lessons = [lesson('second', 2, ['c', 'd']), lesson('first', 1, ['a', 'b', 'x'])];
const info: ClassInfo = { id: 'class1', name: 'Monday group', code: 'K7M-2QF', createdAt: new Date('2026-01-05T08:00:00Z') };
const ada = 'a'.repeat(64);
const bob = 'b'.repeat(64);
const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 9, minute));
const attempt = (learner: string, lessonSlug: string, step: string, passed: boolean, minute: number, message?: string): CheckAttempt => ({
  learner,
  lesson: lessonSlug,
  step,
  passed,
  failedChecks: passed ? [] : ['a check'],
  ...(message ? { message } : {}),
  at: at(minute),
  durationMs: 120,
});

const adaRow: ClassLearnerRow = {
  learner: ada,
  displayName: 'Ada',
  joinedAt: at(0),
  lessons: [
    // An unknown step id (a lesson since edited) counts for nothing.
    {
      lesson: 'first',
      passedSteps: ['a', 'b', 'gone'],
      // a was checked again later (at 15): not when she got to x.
      stepPasses: [
        { step: 'gone', at: at(3) },
        { step: 'a', at: at(4) },
        { step: 'b', at: at(10) },
      ],
      failedAttempts: 3,
      failuresByStep: new Map([
        ['a', 1],
        ['x', 2],
      ]),
      lastFailure: { step: 'x', message: 'The table users does not exist yet.', at: at(20) },
      startedAt: at(1),
      lastActivityAt: at(20),
    },
  ],
};
const adaAttempts = [
  attempt(ada, 'first', 'a', false, 2, 'not yet'),
  attempt(ada, 'first', 'a', true, 4),
  attempt(ada, 'first', 'b', true, 10),
  attempt(ada, 'first', 'a', true, 15), // checked again later: not when she got to x
  attempt(ada, 'first', 'x', false, 18),
  attempt(ada, 'first', 'x', false, 20, 'The table users does not exist yet.'),
];

describe('class table', () => {
  it('gives N of M per lesson in lesson order, the current step, since when, its failures and the last failure', () => {
    const row = classTableRow(adaRow, [lessons[1]!, lessons[0]!]);
    expect(row.lessons).toEqual([
      { lesson: 'first', passed: 2, total: 3 },
      { lesson: 'second', passed: 0, total: 2 },
    ]);
    expect(row.current).toEqual({ lesson: 'first', lessonTitle: 'Lesson first', step: 'x', stepTitle: 'Title of x', since: at(10).toISOString() });
    expect(row.failedAttempts).toBe(2);
    expect(row.lastFailure).toEqual({ lesson: 'first', step: 'x', stepTitle: 'Title of x', message: 'The table users does not exist yet.', at: at(20).toISOString() });
  });

  it('picks the unfinished lesson worked on last; a learner who finished everything has no current step', () => {
    const busy: ClassLearnerRow = {
      learner: bob,
      displayName: 'bob',
      joinedAt: at(0),
      lessons: [
        { lesson: 'first', passedSteps: ['a'], stepPasses: [{ step: 'a', at: at(5) }], failedAttempts: 0, failuresByStep: new Map(), startedAt: at(1), lastActivityAt: at(5) },
        { lesson: 'second', passedSteps: [], stepPasses: [], failedAttempts: 0, failuresByStep: new Map(), startedAt: at(30), lastActivityAt: at(30) },
      ],
    };
    expect(classTableRow(busy, lessons).current).toMatchObject({ lesson: 'second', step: 'c', since: at(30).toISOString() });
    const done: ClassLearnerRow = {
      ...busy,
      lessons: [
        {
          lesson: 'second',
          passedSteps: ['c', 'd'],
          stepPasses: [
            { step: 'c', at: at(3) },
            { step: 'd', at: at(9) },
          ],
          failedAttempts: 4,
          failuresByStep: new Map([['c', 4]]),
          startedAt: at(1),
          completedAt: at(9),
          lastActivityAt: at(9),
        },
      ],
    };
    const row = classTableRow(done, lessons);
    expect(row.current).toBeUndefined();
    expect(row.failedAttempts).toBe(4);
    expect(row.lessons.find((cell) => cell.lesson === 'second')).toEqual({ lesson: 'second', passed: 2, total: 2, completedAt: at(9).toISOString() });
    const fresh = classTableRow({ ...busy, lessons: [] }, lessons);
    expect(fresh).toEqual({ learner: bob, displayName: 'bob', joinedAt: at(0).toISOString(), lessons: expect.any(Array), failedAttempts: 0 });
  });

  it('sorts learners by name and matches the contract', () => {
    const bobRow: ClassLearnerRow = { learner: bob, displayName: 'Bob', joinedAt: at(3), lessons: [] };
    const table = classTable(info, [bobRow, adaRow], lessons, at(30));
    expect(table.rows.map((row) => row.displayName)).toEqual(['Ada', 'Bob']);
    expect(table.lessons.map((entry) => `${entry.slug}:${entry.totalSteps}`)).toEqual(['first:3', 'second:2']);
    expect(table.class).toEqual({ id: 'class1', name: 'Monday group', code: 'K7M-2QF', createdAt: '2026-01-05T08:00:00.000Z', joinPath: '/join?code=K7M-2QF' });
    expect(classTableSchema.parse(table)).toEqual(table);
  });
});

describe('class results', () => {
  it('has a row per learner × lesson, each attempt in the export shape; the CSV is defused', () => {
    const mallory: ClassLearnerRow = { learner: bob, displayName: '=HYPERLINK("http://evil","x")', joinedAt: at(2), lessons: [] };
    const results = classResults(info, [adaRow, mallory], lessons, at(40));
    expect(results.results.map((row) => `${row.name}|${row.lesson}|${row.passedSteps}/${row.totalSteps}|${row.failedAttempts}`)).toEqual([
      '=HYPERLINK("http://evil","x")|first|0/3|0',
      '=HYPERLINK("http://evil","x")|second|0/2|0',
      'Ada|first|2/3|3',
      'Ada|second|0/2|0',
    ]);
    expect(exportedAttempt({ ...adaAttempts[0]!, displayName: 'Ada' })).toEqual({ name: 'Ada', learner: ada, lesson: 'first', step: 'a', passed: false, failedChecks: ['a check'], message: 'not yet', at: at(2).toISOString(), durationMs: 120 });
    const csv = resultsCsv(results.results).split('\r\n');
    expect(csv[0]).toBe('"name","learner","lesson","lesson_title","passed_steps","total_steps","completed_at","failed_attempts"');
    expect(csv[1]).toBe(`"'=HYPERLINK(""http://evil"",""x"")","${bob}","first","Lesson first",0,3,,0`);
    expect(csv[3]).toBe(`"Ada","${ada}","first","Lesson first",2,3,,3`);
    expect(csv).toHaveLength(6);
  });
});
