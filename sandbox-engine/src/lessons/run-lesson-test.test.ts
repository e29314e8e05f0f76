import { describe, expect, it } from 'vitest';
import type { StepResult } from '../contracts/checker.js';
import { lessonFrontmatterSchema, type Lesson, type Step } from '../contracts/lesson.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import { LearnerTerminalError, type TypedCommand } from './learner-terminal.js';
import { runLessonTest, type SolutionTerminal } from './run-lesson-test.js';

/** A sandbox reduced to a set of facts: a solution adds its fact, a check passes when its fact is there. */
function world(initial: string[] = []) {
  const facts = new Set(initial);
  const typed: string[] = [];
  const terminal: SolutionTerminal = {
    type: async (command): Promise<TypedCommand> => {
      typed.push(command);
      if (command === 'hang') throw new LearnerTerminalError('the command did not finish within 1 s');
      if (command.startsWith('fail')) return { exitCode: 2, output: `${command}\nno such thing` };
      facts.add(command);
      return { exitCode: 0, output: '' };
    },
  };
  const runChecks = async (step: Step): Promise<StepResult> => {
    const outcomes = step.checks.map((check) => {
      const fact = check.kind === 'command' ? check.run : '';
      return { kind: check.kind, passed: facts.has(fact), timedOut: false, message: `${fact} missing`, durationMs: 1 };
    });
    return { stepId: step.id, passed: outcomes.every((outcome) => outcome.passed), outcomes };
  };
  return { typed, deps: { shell: {} as SandboxShell, terminal, runChecks } };
}

function lesson(steps: { solution: string[]; checks: { run: string; carriedOver?: boolean }[] }[]): Lesson {
  const frontmatter = lessonFrontmatterSchema.parse({
    title: 'T',
    summary: 'S',
    minutes: 5,
    order: 1,
    steps: steps.map((step, index) => ({
      id: `step-${index + 1}`,
      title: `Step ${index + 1}`,
      solution: step.solution,
      checks: step.checks.map((check) => ({ kind: 'command', ...check })),
    })),
  });
  return { ...frontmatter, slug: 't' };
}

describe('runLessonTest', () => {
  it('types each solution command and passes steps whose checks fail before and pass after', async () => {
    const { typed, deps } = world();
    const reports = await runLessonTest(
      lesson([
        { solution: ['db'], checks: [{ run: 'db' }] },
        { solution: ['ps'], checks: [{ run: 'ps' }, { run: 'db', carriedOver: true }] },
      ]),
      deps,
    );
    expect(reports.map((report) => [report.stepId, report.ok, report.problem])).toEqual([
      ['step-1', true, undefined],
      ['step-2', true, undefined],
    ]);
    expect(typed).toEqual(['db', 'ps']);
  });

  it('names each check that passes before the solution without being carried over', async () => {
    const { deps } = world(['db', 'web']);
    const [report] = await runLessonTest(lesson([{ solution: ['ps'], checks: [{ run: 'db' }, { run: 'ps' }, { run: 'web' }] }]), deps);
    expect(report).toMatchObject({ ok: false, failedBefore: false, solutionOk: true, passedAfter: true });
    expect(report!.passedTooEarly).toEqual(['check 1 (command `db`)', 'check 3 (command `web`)']);
    expect(report!.problem).toMatch(/^check 1 \(command `db`\), check 3 \(command `web`\) already pass before the solution ran/);
  });

  it('lets a carried-over check fail before the solution too', async () => {
    const { deps } = world();
    const [report] = await runLessonTest(lesson([{ solution: ['db', 'ps'], checks: [{ run: 'ps' }, { run: 'db', carriedOver: true }] }]), deps);
    expect(report!.ok).toBe(true);
  });

  it('stops a step at a solution command that fails, with its exit code and output', async () => {
    const { typed, deps } = world();
    const reports = await runLessonTest(
      lesson([
        { solution: ['fail-here', 'db'], checks: [{ run: 'db' }] },
        { solution: ['ps'], checks: [{ run: 'ps' }] },
      ]),
      deps,
    );
    expect(reports).toHaveLength(1);
    expect(reports[0]!.problem).toBe('solution command failed (exit 2): fail-here\nfail-here\nno such thing');
    expect(typed).toEqual(['fail-here']);
  });

  it('reports a command that did not finish', async () => {
    const { deps } = world();
    const [report] = await runLessonTest(lesson([{ solution: ['hang'], checks: [{ run: 'db' }] }]), deps);
    expect(report!.problem).toBe('solution command did not complete: hang\nthe command did not finish within 1 s');
  });
});
