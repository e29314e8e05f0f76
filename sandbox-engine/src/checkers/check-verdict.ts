/** What an evaluator decides about one check, in words the learner understands. */
export interface CheckVerdict {
  passed: boolean;
  message: string;
}

export function passed(message: string): CheckVerdict {
  return { passed: true, message };
}

/**
 * A failed check. The checker's own `message`, when the lesson gives one, replaces the generated
 * text; `detail` (what the sandbox showed: command output, an HTTP body) is kept either way, on the
 * following lines.
 */
export function failed(checker: { message?: string | undefined }, generated: string, detail?: string): CheckVerdict {
  const summary = checker.message ?? generated;
  return { passed: false, message: detail ? `${summary}\n${detail}` : summary };
}
