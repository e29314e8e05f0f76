import { describe, expect, it } from 'vitest';
import { runStepChecks } from '../../sandbox-engine/src/checkers/run-step-checks.js';
import { requireDocker } from '../support/docker-state.js';
import { startTestEngine } from '../support/start-test-engine.js';

describe('checkers on a real sandbox', () => {
  it('cuts a check that hangs at its timeout and reports it as timed out', async () => {
    await requireDocker();
    await using test = await startTestEngine();
    const session = await test.engine.sessions.create('postgres-in-a-container');
    const shell = test.engine.sessions.shellFor(session);
    const started = Date.now();
    const result = await runStepChecks(
      {
        id: 'hangs',
        title: 'A check that never ends',
        solution: ['true'],
        checks: [{ kind: 'command', run: 'sleep 600', exitCode: 0, timeoutMs: 1500 }],
      },
      shell,
    );
    expect(result.passed).toBe(false);
    expect(result.outcomes[0]).toMatchObject({ passed: false, timedOut: true });
    expect(Date.now() - started).toBeLessThan(60_000);
    // The sandbox still answers afterwards.
    const after = await shell.run('echo fine', { timeoutMs: 10_000, signal: AbortSignal.timeout(15_000) });
    expect(after.stdout.trim()).toBe('fine');
  });
});
