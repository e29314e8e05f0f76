import type { StepResult } from '../contracts/checker.js';
import type { Lesson, Step } from '../contracts/lesson.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { runLessonTest, type StepTestReport } from './run-lesson-test.js';

export interface LessonTestResult {
  lesson: string;
  ok: boolean;
  reports: StepTestReport[];
  startMs: number;
}

/** Each lesson in a fresh sandbox of its own; prints a line per step. */
export async function testLessons(
  lessons: Lesson[],
  deps: { sessions: SessionManager; runChecks: (step: Step, shell: SandboxShell) => Promise<StepResult>; print: (line: string) => void },
): Promise<LessonTestResult[]> {
  const results: LessonTestResult[] = [];
  for (const lesson of lessons) {
    const started = Date.now();
    const session = await deps.sessions.create(lesson.slug);
    const startMs = Date.now() - started;
    deps.print(`${lesson.slug}: sandbox ready in ${(startMs / 1000).toFixed(2)} s`);
    try {
      const reports = await runLessonTest(lesson, {
        shell: deps.sessions.shellFor(session),
        runChecks: deps.runChecks,
        onStep: (report) =>
          deps.print(
            `  ${report.ok ? 'ok  ' : 'FAIL'} ${report.stepId.padEnd(28)} checks ${(report.checkMs / 1000).toFixed(2)} s, solution ${(report.solutionMs / 1000).toFixed(2)} s` +
              (report.problem ? `\n       ${report.problem.replace(/\n/g, '\n       ')}` : ''),
          ),
      });
      const ok = reports.length === lesson.steps.length && reports.every((report) => report.ok);
      results.push({ lesson: lesson.slug, ok, reports, startMs });
    } finally {
      await deps.sessions.destroy(session, 'ended');
    }
  }
  return results;
}
