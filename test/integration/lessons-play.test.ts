import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStepChecks } from '../../sandbox-engine/src/checkers/run-step-checks.js';
import { loadLessons } from '../../sandbox-engine/src/lessons/load-lessons.js';
import { testLessons } from '../../sandbox-engine/src/lessons/test-lessons.js';
import { requireDocker } from '../support/docker-state.js';
import { repoRoot, startTestEngine, type TestEngine } from '../support/start-test-engine.js';

// Every lesson, played in a fresh sandbox: each step's checks fail before its solution and pass after it.
const lessons = await loadLessons(`${repoRoot}/lessons`);

describe('lessons played on real sandboxes', () => {
  let test: TestEngine;
  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine();
  });
  afterAll(async () => test && (await test[Symbol.asyncDispose]()));

  // Lessons play side by side (each in its own sandbox): most of their time is spent waiting on
  // containers starting and stopping, not on the CPU.
  it.concurrent.each(lessons.map((lesson) => [lesson.slug, lesson] as const))('%s', { timeout: 900_000 }, async (_slug, lesson) => {
    const lines: string[] = [];
    const [result] = await testLessons([lesson], {
      sessions: test.engine.sessions,
      driver: test.engine.driver,
      // Generous: several lessons share two cores here.
      runChecks: (step, shell) => runStepChecks(step, shell, { defaultTimeoutMs: 30_000 }),
      print: (line) => lines.push(line),
    });
    console.log(lines.join('\n'));
    expect(result!.reports.map((report) => [report.stepId, report.problem ?? 'ok'])).toEqual(lesson.steps.map((step) => [step.id, 'ok']));
  });
});
