import type { Checker, CheckOutcome, StepResult } from '../contracts/checker.js';
import type { Step } from '../contracts/lesson.js';
import { evaluateChecker } from './checker-registry.js';
import { DEFAULT_CHECK_TIMEOUT_MS } from '../contracts/checker.js';
import { runWithTimeout } from './run-with-timeout.js';
import type { SandboxShell } from './sandbox-shell.js';

export interface RunStepChecksOptions {
  /** Budget of a check whose checker sets no timeoutMs (default 10 s). */
  defaultTimeoutMs?: number;
  /** Aborting cancels the running check; the ones after it are reported as not run. */
  signal?: AbortSignal;
}

/** "10 s", "2.5 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One check, bounded by its own timeout; every way it can end becomes an outcome. */
async function runCheck(checker: Checker, shell: SandboxShell, defaultTimeoutMs: number, signal?: AbortSignal): Promise<CheckOutcome> {
  const timeoutMs = checker.timeoutMs ?? defaultTimeoutMs;
  const started = performance.now();
  const result = await runWithTimeout((checkSignal) => evaluateChecker(checker, shell, checkSignal, timeoutMs), timeoutMs, signal);
  const base = { kind: checker.kind, durationMs: Math.round(performance.now() - started) };
  // The lesson's own text leads; what went wrong with the check itself follows.
  const withCustom = (text: string) => (checker.message ? `${checker.message}\n${text}` : text);
  switch (result.status) {
    case 'done':
      return { ...base, passed: result.value.passed, timedOut: false, message: result.value.message };
    case 'timed-out':
      return { ...base, passed: false, timedOut: true, message: withCustom(`timed out after ${seconds(timeoutMs)}`) };
    case 'cancelled':
      return { ...base, passed: false, timedOut: false, message: 'not checked: the check was cancelled' };
    case 'failed':
      return { ...base, passed: false, timedOut: false, message: withCustom(`the check could not run: ${errorText(result.error)}`) };
  }
}

/**
 * Runs every check of `step`, in order, one after another, and reports each: all of them run even
 * after a failure, so the learner sees everything still missing at once. Never rejects.
 */
export async function runStepChecks(step: Step, shell: SandboxShell, options: RunStepChecksOptions = {}): Promise<StepResult> {
  const defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const outcomes: CheckOutcome[] = [];
  for (const checker of step.checks) outcomes.push(await runCheck(checker, shell, defaultTimeoutMs, options.signal));
  const allPassed = outcomes.every((outcome) => outcome.passed);
  return {
    stepId: step.id,
    passed: allPassed,
    outcomes,
    ...(allPassed || step.hint === undefined ? {} : { hint: step.hint }),
  };
}
