import { describe, expect, it } from 'vitest';
import type { ClassTableRow } from '../../../../sandbox-engine/src/contracts/instructor.js';
import { formatCurrentStep, formatLastFailure, formatLessonCell, formatTimeOnStep } from './class-table-format.ts';

const row: ClassTableRow = {
  learner: 'a'.repeat(64),
  displayName: 'Ada',
  joinedAt: '2026-01-05T09:00:00.000Z',
  lessons: [
    { lesson: 'postgres-in-a-container', passed: 2, total: 6 },
    { lesson: 'container-deep-dive', passed: 0, total: 4 },
  ],
  current: {
    lesson: 'postgres-in-a-container',
    lessonTitle: 'Run PostgreSQL in a container',
    step: 'connect-with-psql',
    stepTitle: 'Connect with psql and create a table',
    since: '2026-01-05T09:10:00.000Z',
  },
  failedAttempts: 2,
  lastFailure: {
    lesson: 'postgres-in-a-container',
    step: 'connect-with-psql',
    stepTitle: 'Connect with psql and create a table',
    message: 'The table users does not exist\n  yet in the database hartl.',
    at: '2026-01-05T09:12:00.000Z',
  },
};

describe('class table formatting', () => {
  it('says N of M per lesson', () => {
    expect(formatLessonCell(row.lessons[0]!)).toBe('2 of 6');
    expect(formatLessonCell({ lesson: 'x', passed: 4, total: 4, completedAt: '2026-01-05T10:00:00.000Z' })).toBe('4 of 4');
  });

  it('names the current step with its lesson, or says why there is none', () => {
    expect(formatCurrentStep(row)).toBe('Run PostgreSQL in a container: Connect with psql and create a table');
    const { current: _current, ...noCurrent } = row;
    expect(formatCurrentStep(noCurrent)).toBe('No lesson in progress');
    expect(formatCurrentStep({ ...noCurrent, lessons: row.lessons.map((cell) => ({ ...cell, passed: 0 })) })).toBe('Not started');
  });

  it('gives the time on the step, rounded up to minutes', () => {
    const at = Date.parse('2026-01-05T09:22:30.000Z');
    expect(formatTimeOnStep(row, at)).toBe('13 min');
    expect(formatTimeOnStep(row, Date.parse('2026-01-05T09:10:20.000Z'))).toBe('less than a minute');
    expect(formatTimeOnStep({ ...row, current: { ...row.current!, since: undefined } }, at)).toBe('–');
  });

  it('shows the last failure on one line, with its step, shortened when long', () => {
    expect(formatLastFailure(row)).toBe('Connect with psql and create a table: The table users does not exist yet in the database hartl.');
    const long = formatLastFailure({ ...row, lastFailure: { ...row.lastFailure!, message: 'x'.repeat(500) } });
    expect(long.endsWith('…')).toBe(true);
    expect(long.length).toBeLessThan(220);
    const { lastFailure: _lastFailure, ...none } = row;
    expect(formatLastFailure(none)).toBe('–');
  });
});
