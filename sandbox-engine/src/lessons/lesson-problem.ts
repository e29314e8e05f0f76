/** One thing wrong with a lesson: the file, the field (a frontmatter path, or a body line), what. */
export interface LessonProblem {
  file: string;
  /** steps[2].checks[0].kind, frontmatter line 4, body line 31; absent when the whole file is meant. */
  field?: string;
  message: string;
}

/** `lessons/x/content.mdx: steps[2].checks[0].kind: Invalid discriminator value...` */
export function formatLessonProblem(problem: LessonProblem): string {
  return problem.field ? `${problem.file}: ${problem.field}: ${problem.message}` : `${problem.file}: ${problem.message}`;
}
