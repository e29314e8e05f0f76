import type { StepResult } from '../contracts/checker.js';
import type { Step } from '../contracts/lesson.js';
import { checkerLabel } from '../lessons/checker-label.js';
import type { Logger } from '../log/logger.js';
import type { CheckAttempt, ProgressStore } from './progress-store.js';

/** The attempt a step's check result makes: the labels of the checks that failed and the first failure's message. */
export function checkAttemptOf(learner: string, lesson: string, step: Step, result: StepResult, durationMs: number, at = new Date()): CheckAttempt {
  const failed = result.outcomes.flatMap((outcome, index) => (outcome.passed ? [] : [{ outcome, checker: step.checks[index] }]));
  const first = failed[0]?.outcome.message;
  return {
    learner,
    lesson,
    step: step.id,
    passed: result.passed,
    failedChecks: failed.map(({ outcome, checker }) => (checker ? checkerLabel(checker) : outcome.kind)),
    ...(first !== undefined ? { message: first } : {}),
    at,
    durationMs,
  };
}

/** Records a check attempt; never rejects: a failure to record is logged and the check's result stands. */
export async function recordCheckAttempt(progress: Pick<ProgressStore, 'recordAttempt'>, log: Logger, attempt: CheckAttempt, session?: string): Promise<void> {
  try {
    await progress.recordAttempt(attempt);
  } catch (error) {
    log.error('progress.attempt.record.failed', { session, lesson: attempt.lesson, step: attempt.step, passed: attempt.passed, error });
  }
}
