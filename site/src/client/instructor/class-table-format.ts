import type { ClassTableRow } from '../../../../sandbox-engine/src/contracts/instructor.js';
import { formatDuration } from '../format-duration.ts';

/** A lesson cell: "2 of 6". */
export function formatLessonCell(cell: ClassTableRow['lessons'][number]): string {
  return `${cell.passed} of ${cell.total}`;
}

/** The step a learner is on, with its lesson: "Run PostgreSQL in a container: Stop the container". */
export function formatCurrentStep(row: ClassTableRow): string {
  if (row.current) return `${row.current.lessonTitle}: ${row.current.stepTitle}`;
  return row.lessons.some((cell) => cell.passed > 0) ? 'No lesson in progress' : 'Not started';
}

/** How long the learner has been on that step ("12 min"), or a dash. */
export function formatTimeOnStep(row: ClassTableRow, now: number = Date.now()): string {
  const since = row.current?.since ? Date.parse(row.current.since) : Number.NaN;
  return Number.isNaN(since) ? '–' : formatDuration(Math.max(0, now - since));
}

/** The last failed check the learner saw, with its step: "Stop the container: db is still running". */
export function formatLastFailure(row: ClassTableRow): string {
  if (!row.lastFailure) return '–';
  const message = row.lastFailure.message.replace(/\s+/g, ' ').trim();
  return `${row.lastFailure.stepTitle}: ${message.length > 160 ? `${message.slice(0, 159)}…` : message}`;
}
