import type { StepResult } from '../contracts/checker.js';
import type { Lesson, Step } from '../contracts/lesson.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { LEARNER_TERMINAL_ENV, LearnerTerminal } from './learner-terminal.js';
import { runLessonTest, type StepTestReport } from './run-lesson-test.js';

export interface LessonTestResult {
  lesson: string;
  ok: boolean;
  reports: StepTestReport[];
  startMs: number;
}

export interface TestLessonsDeps {
  sessions: SessionManager;
  /** Opens the interactive shell the solutions are typed into, as the learner's terminal does. */
  driver: Pick<SandboxDriver, 'openShell'>;
  runChecks: (step: Step, shell: SandboxShell) => Promise<StepResult>;
  print: (line: string) => void;
}

/** Each lesson in a fresh sandbox of its own, its solutions typed into one terminal; prints a line per step. */
export async function testLessons(lessons: Lesson[], deps: TestLessonsDeps): Promise<LessonTestResult[]> {
  const results: LessonTestResult[] = [];
  for (const lesson of lessons) {
    const started = Date.now();
    const session = await deps.sessions.create(lesson.slug);
    const startMs = Date.now() - started;
    deps.print(`${lesson.slug}: sandbox ready in ${(startMs / 1000).toFixed(2)} s`);
    let terminal: LearnerTerminal | undefined;
    try {
      terminal = new LearnerTerminal(await deps.driver.openShell(session.containerId, { cols: 160, rows: 48, env: LEARNER_TERMINAL_ENV }));
      const ready = await terminal.ready().then(
        () => true,
        (error: Error) => (deps.print(`  FAIL ${error.message.replace(/\n/g, '\n       ')}`), false),
      );
      if (!ready) {
        results.push({ lesson: lesson.slug, ok: false, reports: [], startMs });
        continue;
      }
      const reports = await runLessonTest(lesson, {
        shell: deps.sessions.shellFor(session),
        terminal,
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
      terminal?.close();
      await deps.sessions.destroy(session, 'ended');
    }
  }
  return results;
}
