import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stepSchema, type Step } from '../contracts/lesson.js';
import { runStepChecks } from './run-step-checks.js';
import type { SandboxShell, ShellResult } from './sandbox-shell.js';
import { inspectContainerCommand } from './container-inspect.js';
import { inspectAnswer } from './fixtures/inspect-answer.js';

const inspectJson = readFileSync(new URL('./fixtures/container-db-running.json', import.meta.url), 'utf8');

/** A sandbox whose answers are given per command; anything else hangs until aborted. */
class ScriptedShell implements SandboxShell {
  readonly aborted: string[] = [];
  constructor(private readonly answer: (command: string) => ShellResult | Promise<ShellResult> | 'hang' | 'ignore-abort') {}

  run(command: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<ShellResult> {
    const answer = this.answer(command);
    if (answer === 'ignore-abort') return new Promise(() => {});
    if (answer !== 'hang') return Promise.resolve(answer);
    return new Promise((_, reject) => {
      options.signal.addEventListener('abort', () => {
        this.aborted.push(command);
        reject(new Error('exec aborted'));
      });
    });
  }
}

function step(checks: unknown[], hint = 'Start it with docker run -d --name db postgres:15'): Step {
  return stepSchema.parse({ id: 'run-the-database', title: 'Run the database', hint, solution: ['docker run -d --name db postgres:15'], checks });
}

const dbRunning = { kind: 'container', name: 'db', state: 'running', image: 'postgres:15' };
const sandbox = new ScriptedShell((command) => {
  if ([9, 1].some((seconds) => command === inspectContainerCommand('db', seconds))) return inspectAnswer(inspectJson);
  if (command.startsWith('tail -n')) return { exitCode: 0, stdout: 'docker ps\n', stderr: '' };
  if (command === 'sleep 60') return 'hang';
  if (command === 'ignore') return 'ignore-abort';
  if (command === 'explode') throw new Error('no such exec instance');
  return { exitCode: 1, stdout: '', stderr: 'bash: nope: command not found' };
});

describe('runStepChecks', () => {
  it('passes a step whose checks all pass, without the hint', async () => {
    const result = await runStepChecks(step([dbRunning, { kind: 'port', container: 'db', containerPort: 5432, protocol: 'tcp', timeoutMs: 1000 }]), sandbox);
    // The tcp probe got a generic "exit 1" answer: only the container check passes.
    expect(result.outcomes.map((o) => o.passed)).toEqual([true, false]);
    const passing = await runStepChecks(step([dbRunning]), sandbox);
    expect(passing).toEqual({
      stepId: 'run-the-database',
      passed: true,
      outcomes: [{ kind: 'container', passed: true, timedOut: false, message: 'db is running, created from postgres:15', durationMs: expect.any(Number) }],
    });
  });

  it('runs every check after a failure and adds the hint', async () => {
    const result = await runStepChecks(step([{ kind: 'history', pattern: '^docker logs' }, dbRunning]), sandbox);
    expect(result.passed).toBe(false);
    expect(result.hint).toBe('Start it with docker run -d --name db postgres:15');
    expect(result.outcomes.map((o) => [o.kind, o.passed])).toEqual([
      ['history', false],
      ['container', true],
    ]);
  });

  it('cuts a check at its own timeout, aborts the command, and goes on', async () => {
    const result = await runStepChecks(step([{ kind: 'command', run: 'sleep 60', timeoutMs: 200 }, dbRunning]), sandbox);
    const [slow, next] = result.outcomes;
    expect(slow).toMatchObject({ kind: 'command', passed: false, timedOut: true, message: 'timed out after 0.2 s' });
    expect(slow?.durationMs).toBeGreaterThanOrEqual(190);
    expect(sandbox.aborted).toContain('sleep 60');
    expect(next?.passed).toBe(true);
  });

  it('uses the default timeout, even when the shell ignores the abort', async () => {
    const result = await runStepChecks(step([{ kind: 'command', run: 'ignore' }]), sandbox, { defaultTimeoutMs: 100 });
    expect(result.outcomes[0]).toMatchObject({ passed: false, timedOut: true, message: 'timed out after 0.1 s' });
  });

  it('reports a check that throws as failed, with the error, and keeps the lesson message first', async () => {
    const result = await runStepChecks(
      step([{ kind: 'command', run: 'explode', message: 'The web server is not answering' }, { kind: 'command', run: 'nope' }]),
      sandbox,
    );
    expect(result.outcomes[0]).toMatchObject({
      passed: false,
      timedOut: false,
      message: 'The web server is not answering\nthe check could not run: no such exec instance',
    });
    expect(result.outcomes[1]?.message).toMatch(/^`nope` exited with code 1, expected 0\nLast output:\nbash: nope: command not found$/);
  });

  it('reports a sandbox daemon that does not answer as a check that could not run', async () => {
    const down = new ScriptedShell(() => ({ exitCode: 7, stdout: '', stderr: 'curl: (7) Failed to connect to docker port 80: Could not connect to server' }));
    const result = await runStepChecks(step([dbRunning]), down);
    expect(result.outcomes[0]?.message).toMatch(
      /^the check could not run: Inspecting db failed: the Docker daemon in the sandbox is not answering: curl: \(7\)/,
    );
  });

  it('stops when the caller aborts, and reports the remaining checks as not run', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await runStepChecks(step([{ kind: 'command', run: 'sleep 60' }, dbRunning]), sandbox, { signal: controller.signal });
    expect(result.passed).toBe(false);
    expect(result.outcomes.map((o) => [o.passed, o.timedOut, o.message])).toEqual([
      [false, false, 'not checked: the check was cancelled'],
      [false, false, 'not checked: the check was cancelled'],
    ]);
  });
});
