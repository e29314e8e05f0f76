import { formatLessonProblem, type LessonProblem } from './lesson-problem.js';

/** A lesson that cannot be used; the message has one `file: field: message` line per problem. */
export class LessonError extends Error {
  override name = 'LessonError';

  constructor(readonly problems: readonly LessonProblem[]) {
    super(problems.map(formatLessonProblem).join('\n'));
  }
}
