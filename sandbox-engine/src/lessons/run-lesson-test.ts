import type { StepResult } from '../contracts/checker.js';
import type { Lesson, Step } from '../contracts/lesson.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';

export interface StepTestReport {
  stepId: string;
  /** The step's checks failed before its solution ran, as they must. */
  failedBefore: boolean;
  /** Every solution command exited 0. */
  solutionOk: boolean;
  passedAfter: boolean;
  ok: boolean;
  problem?: string;
  checkMs: number;
  solutionMs: number;
}

export interface LessonTestDeps {
  shell: SandboxShell;
  runChecks: (step: Step, shell: SandboxShell) => Promise<StepResult>;
  solutionTimeoutMs?: number;
  onStep?: (report: StepTestReport) => void;
}

const failures = (result: StepResult) =>
  result.outcomes.filter((outcome) => !outcome.passed).map((outcome) => `${outcome.kind}: ${outcome.message}`).join('; ');

/** Records a command in the shell history, as if the learner had typed it. */
const appendHistory = (command: string) =>
  `printf '%s\\n' '${Buffer.from(`${command}\n`).toString('base64')}' | base64 -d >> /root/.bash_history`;

/**
 * Plays a lesson in one sandbox: for each step, its checks must fail, its solution must run,
 * then its checks must pass. Stops at the first step that does not behave.
 */
export async function runLessonTest(lesson: Lesson, deps: LessonTestDeps): Promise<StepTestReport[]> {
  const reports: StepTestReport[] = [];
  for (const step of lesson.steps) {
    const report: StepTestReport = { stepId: step.id, failedBefore: false, solutionOk: false, passedAfter: false, ok: false, checkMs: 0, solutionMs: 0 };
    let started = Date.now();
    const before = await deps.runChecks(step, deps.shell);
    report.checkMs += Date.now() - started;
    report.failedBefore = !before.passed;
    if (before.passed) report.problem = 'its checks already pass before its solution ran: they cannot tell the step was done';

    started = Date.now();
    report.solutionOk = true;
    for (const command of step.solution) {
      const timeoutMs = deps.solutionTimeoutMs ?? 120_000;
      const signal = AbortSignal.timeout(timeoutMs + 5000);
      const result = await deps.shell.run(command, { timeoutMs, signal });
      await deps.shell.run(appendHistory(command), { timeoutMs: 10_000, signal: AbortSignal.timeout(15_000) });
      if (result.exitCode !== 0) {
        report.solutionOk = false;
        report.problem ??= `solution command failed (exit ${result.exitCode}): ${command}\n${(result.stderr || result.stdout).trim().slice(-400)}`;
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
