import type { StepResult } from '../contracts/checker.js';
import type { Lesson, Step } from '../contracts/lesson.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import { checkerLabel } from './checker-label.js';
import type { TypedCommand } from './learner-terminal.js';

export interface StepTestReport {
  stepId: string;
  /** Each check of the step failed before its solution ran, as it must (checks marked carriedOver may pass). */
  failedBefore: boolean;
  /** The checks that passed before the solution without being marked carriedOver, e.g. `check 2 (container db running)`. */
  passedTooEarly: string[];
  /** Every solution command finished with exit code 0. */
  solutionOk: boolean;
  passedAfter: boolean;
  ok: boolean;
  problem?: string;
  checkMs: number;
  solutionMs: number;
}

/** Where solutions are typed: the sandbox's interactive shell, as the learner's terminal (LearnerTerminal). */
export interface SolutionTerminal {
  type(command: string, timeoutMs: number): Promise<TypedCommand>;
}

export interface LessonTestDeps {
  /** What the checks run their commands with (`bash -c`), as when the learner clicks Check. */
  shell: SandboxShell;
  terminal: SolutionTerminal;
  runChecks: (step: Step, shell: SandboxShell) => Promise<StepResult>;
  solutionTimeoutMs?: number;
  onStep?: (report: StepTestReport) => void;
}

const failures = (result: StepResult) =>
  result.outcomes.filter((outcome) => !outcome.passed).map((outcome) => `${outcome.kind}: ${outcome.message}`).join('; ');

const lastChars = (text: string, chars: number) => (text.length <= chars ? text : `…${text.slice(-chars)}`);

/** The checks of `step` that passed in `before` although they are not marked carriedOver. */
function passedTooEarly(step: Step, before: StepResult): string[] {
  return step.checks.flatMap((checker, index) =>
    before.outcomes[index]?.passed && !checker.carriedOver ? [`check ${index + 1} (${checkerLabel(checker)})`] : [],
  );
}

/**
 * Plays a lesson in one sandbox as a learner would: for each step, each of its checks must fail
 * (unless marked carriedOver), its solution is typed into the terminal command by command, then
 * all its checks must pass. Stops at the first step that does not behave.
 */
export async function runLessonTest(lesson: Lesson, deps: LessonTestDeps): Promise<StepTestReport[]> {
  const reports: StepTestReport[] = [];
  const timeoutMs = deps.solutionTimeoutMs ?? 120_000;
  for (const step of lesson.steps) {
    const report: StepTestReport = {
      stepId: step.id,
      failedBefore: false,
      passedTooEarly: [],
      solutionOk: false,
      passedAfter: false,
      ok: false,
      checkMs: 0,
      solutionMs: 0,
    };
    let started = Date.now();
    const before = await deps.runChecks(step, deps.shell);
    report.checkMs += Date.now() - started;
    report.passedTooEarly = passedTooEarly(step, before);
    report.failedBefore = report.passedTooEarly.length === 0;
    if (!report.failedBefore) {
      const one = report.passedTooEarly.length === 1;
      report.problem =
        `${report.passedTooEarly.join(', ')} already ${one ? 'passes' : 'pass'} before the solution ran, so ${one ? 'it cannot' : 'they cannot'} ` +
        `tell the step was done: make ${one ? 'it' : 'each'} fail until the step is done, or mark it carriedOver: true if it holds from an earlier step`;
    }

    started = Date.now();
    report.solutionOk = true;
    for (const command of step.solution) {
      let typed: TypedCommand;
      try {
        typed = await deps.terminal.type(command, timeoutMs);
      } catch (error) {
        report.solutionOk = false;
        report.problem ??= `solution command did not complete: ${command}\n${(error as Error).message}`;
        break;
      }
      if (typed.exitCode !== 0) {
        report.solutionOk = false;
        report.problem ??= `solution command failed (exit ${typed.exitCode}): ${command}\n${lastChars(typed.output.trim(), 400)}`;
        break;
      }
    }
    report.solutionMs = Date.now() - started;

    started = Date.now();
    const after = await deps.runChecks(step, deps.shell);
    report.checkMs += Date.now() - started;
    report.passedAfter = after.passed;
    if (!after.passed) report.problem ??= `its checks fail after its solution: ${failures(after)}`;
    report.ok = report.failedBefore && report.solutionOk && report.passedAfter;
    reports.push(report);
    deps.onStep?.(report);
    if (!report.ok) break;
  }
  return reports;
}
