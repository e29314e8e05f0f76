import { describe, expect, it } from 'vitest';
import { runStepChecks } from '../../sandbox-engine/src/checkers/run-step-checks.js';
import { waitUntil } from '../../sandbox-engine/src/process/wait-until.js';
import { requireDocker } from '../support/docker-state.js';
import { startTestEngine } from '../support/start-test-engine.js';

/**
 * The hung check: its shell writes its pid, then waits on a child (`; true` keeps bash from exec'ing
 * sleep, so ending the check must end a process tree, not one process).
 */
const HUNG_SLEEP = 'sleep 987654';
const hungCommand = `echo $$ > /tmp/hung-check.pid; ${HUNG_SLEEP}; true`;
/** Lists what is left of it: the shell if its pid still runs, and every process running HUNG_SLEEP. */
const leftoversCommand = [
  'pid=$(cat /tmp/hung-check.pid)',
  // A zombie has ended (only its parent's wait is missing).
  `[ -d "/proc/$pid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" && echo "shell $pid"`,
  // "[s]leep" matches the sleep's command line but not this script's own.
  `for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f" 2>/dev/null; echo; done | grep '^[s]${HUNG_SLEEP.slice(1)} '`,
  'true',
].join('\n');

describe('checkers on a real sandbox', () => {
  it('cuts a check that hangs at its timeout, reports it as timed out, and ends the hung processes', async () => {
    await requireDocker();
    await using test = await startTestEngine();
    const session = await test.engine.sessions.create('postgres-in-a-container');
    const shell = test.engine.sessions.shellFor(session);
    const run = (command: string) => shell.run(command, { timeoutMs: 10_000, signal: AbortSignal.timeout(15_000) });
    // No sanity bound on the time it took: the test's own timeout is far below the hung command's 11 days.
    const result = await runStepChecks(
      {
        id: 'hangs',
        title: 'A check that never ends',
        solution: ['true'],
        checks: [{ kind: 'command', run: hungCommand, exitCode: 0, timeoutMs: 1500 }],
      },
      shell,
    );
    expect(result.passed).toBe(false);
    expect(result.outcomes[0]).toMatchObject({ passed: false, timedOut: true });

    // The hung command did run in the sandbox (its shell wrote its pid) ...
    expect((await run('cat /tmp/hung-check.pid')).stdout.trim()).toMatch(/^\d+$/);
    // ... and nothing of it is left soon after (the sandbox's `timeout` ends it within seconds).
    const gone = await waitUntil(async () => (await run(leftoversCommand)).stdout.trim() === '', { timeoutMs: 20_000, intervalMs: 200 });
    if (!gone) expect((await run(leftoversCommand)).stdout, 'what is left of the hung check after 20 s').toBe('');
    // The sandbox still answers afterwards.
    expect((await run('echo fine')).stdout.trim()).toBe('fine');
  });
});
