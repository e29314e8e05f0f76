import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneOffSandboxShell } from '../../sandbox-engine/src/checkers/one-off-sandbox-shell.js';
import { PersistentSandboxShell } from '../../sandbox-engine/src/checkers/persistent-sandbox-shell.js';
import type { SandboxShell, ShellResult } from '../../sandbox-engine/src/checkers/sandbox-shell.js';
import { CHECK_SHELL_SERVER_NAME } from '../../sandbox-engine/src/checkers/check-shell-server.js';
import { ExecOutputFloodError, ExecTimeoutError } from '../../sandbox-engine/src/drivers/sandbox-driver.js';
import { waitUntil } from '../../sandbox-engine/src/process/wait-until.js';
import type { Session } from '../../sandbox-engine/src/sessions/session.js';
import { requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';

const options = () => ({ timeoutMs: 20_000, signal: AbortSignal.timeout(25_000) });
/** "[d]ockyard-check-shell": matches the server's command line, not the one of the command looking for it. */
const serverPattern = `[${CHECK_SHELL_SERVER_NAME[0]}]${CHECK_SHELL_SERVER_NAME.slice(1)}`;
/** The server's pids in the sandbox, one a line (none: empty). */
const serverPids = `pgrep -f '${serverPattern}' || true`;
/** Every process whose command line matches `pattern` (a glob, "[s]leep 1" so that it misses its own), as "pid args" lines. */
const processesMatching = (pattern: string) =>
  `for f in /proc/[0-9]*/cmdline; do args=$(tr '\\0' ' ' < "$f" 2>/dev/null) && case "$args" in *${pattern.replaceAll(' ', '\\ ')}*) echo "\${f//[^0-9]/} $args";; esac; done`;

describe('the persistent check shell on a real sandbox', () => {
  let test: TestEngine;
  let session: Session;
  let shell: SandboxShell;
  /** What reads the evidence: a one-off `docker exec`, as the learner's own terminal is, independent of the shell under test. */
  let inSandbox: (command: string) => Promise<string>;

  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine();
    session = await test.engine.sessions.create('postgres-in-a-container');
    shell = test.engine.sessions.shellFor(session);
    const oneOff = oneOffSandboxShell(test.engine.driver, session.containerId);
    inSandbox = async (command) => (await oneOff.run(command, options())).stdout;
  });
  afterAll(async () => test && (await test[Symbol.asyncDispose]()));

  it('is the session’s shell, kept across calls, and starts its exec at the first check only', async () => {
    expect(shell).toBeInstanceOf(PersistentSandboxShell);
    expect(test.engine.sessions.shellFor(session)).toBe(shell);
    expect(await inSandbox(serverPids)).toBe('');
    await shell.run('true', options());
    const pids = (await inSandbox(serverPids)).trim().split('\n');
    expect(pids).toHaveLength(1);
    for (let run = 0; run < 5; run += 1) await shell.run('true', options());
    expect((await inSandbox(serverPids)).trim().split('\n')).toEqual(pids);
  });

  it('gives what a one-off exec gives: exit code, stdout and stderr apart, bytes and newlines as printed, the end of a flood', async () => {
    const oneOff = oneOffSandboxShell(test.engine.driver, session.containerId);
    const commands = [
      'echo out; echo err >&2; exit 3',
      'printf "no trailing newline"',
      'printf "three\\n\\n\\n"; printf "\\n" >&2',
      "printf 'binary \\000\\001\\377 and UTF-8: \\303\\251\\n'",
      'no-such-command-here',
      'kill -TERM $$',
      // 3 MB on stdout, 2 MB on stderr: each keeps its last MiB.
      'head -c 3000000 /dev/zero | tr "\\0" o; head -c 2000000 /dev/zero | tr "\\0" e >&2; echo end',
      // A background child holding stdout: the command has ended once it closed it (as with docker exec).
      '(sleep 1; echo late) & echo early',
      'cat; echo "stdin was empty: $?"',
      'echo "$0 $HOME $PWD $(id -u)"; env | grep -c . >/dev/null; umask',
      'grep -E "^Sig(Blk|Ign)" /proc/self/status',
    ];
    for (const command of commands) {
      const [expected, got] = [await oneOff.run(command, options()), await shell.run(command, options())];
      expect(got, command).toEqual<ShellResult>(expected);
    }
    const flood = await shell.run(commands[6]!, options());
    expect([flood.stdout.length, flood.stderr.length]).toEqual([1024 * 1024, 1024 * 1024]);
    expect(flood.stdout.endsWith('oooend\n')).toBe(true);
    expect((await shell.run('kill -TERM $$', options())).exitCode).toBe(143);
  });

  it('stops a command printing without end, as a one-off exec does, and leaves none of it running', async () => {
    const oneOff = oneOffSandboxShell(test.engine.driver, session.containerId);
    const tooMuch = 'head -c 9000000 /dev/zero';
    await expect(oneOff.run(tooMuch, options())).rejects.toBeInstanceOf(ExecOutputFloodError);
    await expect(shell.run(tooMuch, options())).rejects.toBeInstanceOf(ExecOutputFloodError);
    const endless = shell.run('yes "$(head -c 4000 /dev/zero | tr "\\0" a)"', options());
    await expect(endless).rejects.toThrow(/printed more than \d+ KiB; it was stopped/);
    const gone = await waitUntil(async () => (await inSandbox('pgrep -x yes || true')).trim() === '', { timeoutMs: 15_000, intervalMs: 200 });
    expect(gone).toBe(true);
    expect((await shell.run('echo after the flood', options())).stdout).toBe('after the flood\n');
  });

  it('runs concurrent commands, each answered with its own output', async () => {
    const runs = Array.from({ length: 12 }, (_, index) =>
      shell.run(`sleep 0.$(( (RANDOM % 5) + 1 )); echo "run ${index}"; echo "err ${index}" >&2; exit ${index}`, options()),
    );
    const results = await Promise.all(runs);
    results.forEach((result, index) => expect(result).toEqual<ShellResult>({ exitCode: index, stdout: `run ${index}\n`, stderr: `err ${index}\n` }));
  });

  it('at a timeout kills the command’s whole process group in the sandbox, and the shell still answers', async () => {
    const hung = shell.run('echo $$ > /tmp/check-shell-hung.pid; sleep 876543 & sleep 876544; true', { timeoutMs: 1500, signal: AbortSignal.timeout(30_000) });
    await expect(hung).rejects.toBeInstanceOf(ExecTimeoutError);
    // It did run (its shell wrote its pid) ...
    expect((await inSandbox('cat /tmp/check-shell-hung.pid')).trim()).toMatch(/^\d+$/);
    // ... and nothing of it is left: its shell, its foreground and its background sleep.
    const leftovers = `pid=$(cat /tmp/check-shell-hung.pid); [ -d /proc/$pid ] && ! grep -q '^State:.*Z' /proc/$pid/status && echo "shell $pid"; ${processesMatching('[s]leep 87654')}`;
    const gone = await waitUntil(async () => (await inSandbox(leftovers)).trim() === '', { timeoutMs: 15_000, intervalMs: 200 });
    if (!gone) expect(await inSandbox(leftovers), 'what is left of the timed-out command').toBe('');
    expect((await shell.run('echo fine', options())).stdout).toBe('fine\n');
  });

  it('on abort kills the command too', async () => {
    const controller = new AbortController();
    const running = shell.run('sleep 765432', { timeoutMs: 60_000, signal: controller.signal });
    await waitUntil(async () => (await inSandbox(processesMatching('[s]leep 765432'))).trim() !== '', { timeoutMs: 15_000, intervalMs: 100 });
    controller.abort(new Error('the learner left'));
    await expect(running).rejects.toThrow('the learner left');
    const gone = await waitUntil(async () => (await inSandbox(processesMatching('[s]leep 765432'))).trim() === '', { timeoutMs: 15_000, intervalMs: 200 });
    expect(gone).toBe(true);
  });

  it('survives the learner killing its server from their terminal: the next check runs on a fresh one', async () => {
    const before = (await inSandbox(serverPids)).trim();
    expect(before).toMatch(/^\d+$/);
    await inSandbox(`pkill -f '${serverPattern}'`);
    // The check right after may be sent before the engine saw the exec end: it then runs as a one-off exec.
    expect((await shell.run('echo still here', options())).stdout).toBe('still here\n');
    expect((await shell.run('echo and here', options())).stdout).toBe('and here\n');
    const after = (await inSandbox(serverPids)).trim();
    expect(after).toMatch(/^\d+$/);
    expect(after).not.toBe(before);
  });

  it('survives a server the learner froze (SIGSTOP): the check times out, the next runs on a fresh one', async () => {
    await shell.run('true', options());
    const frozen = (await inSandbox(serverPids)).trim();
    await inSandbox(`kill -STOP ${frozen}`);
    await expect(shell.run('echo frozen', { timeoutMs: 1500, signal: AbortSignal.timeout(30_000) })).rejects.toBeInstanceOf(ExecTimeoutError);
    // Unanswered kill: after its grace (5 s) the exec is given up.
    await waitUntil(async () => !(shell as PersistentSandboxShell).connected, { timeoutMs: 20_000, intervalMs: 100 });
    expect((await shell.run('echo thawed', options())).stdout).toBe('thawed\n');
    await inSandbox(`kill -KILL ${frozen}`);
  });

  it('survives the learner writing garbage into the server’s stdout: that exec is dropped, the engine carries on', async () => {
    await shell.run('true', options());
    const server = (await inSandbox(serverPids)).trim();
    await inSandbox(`head -c 2000 /dev/urandom > /proc/${server}/fd/1`);
    await waitUntil(async () => !(shell as PersistentSandboxShell).connected, { timeoutMs: 20_000, intervalMs: 100 });
    expect((await shell.run('echo clean', options())).stdout).toBe('clean\n');
    // A forged, well-formed reply to a request it never got is refused the same way.
    const next = (await inSandbox(serverPids)).trim();
    await inSandbox(`printf 'D 999 0 6 0\\nforged\\n' > /proc/${next}/fd/1`);
    await waitUntil(async () => !(shell as PersistentSandboxShell).connected, { timeoutMs: 20_000, intervalMs: 100 });
    expect((await shell.run('echo honest', options())).stdout).toBe('honest\n');
  });

  it('ends with the session: its exec and commands are gone, and runs after that are refused', async () => {
    const running = shell.run('sleep 654321', options()).catch((error: Error) => error);
    await waitUntil(async () => (await inSandbox(processesMatching('[s]leep 654321'))).trim() !== '', { timeoutMs: 15_000, intervalMs: 100 });
    // What an engine stop does (sandboxes stay up for the next engine): the exec ends in the sandbox.
    test.engine.sessions.close();
    expect(await running).toBeInstanceOf(Error);
    const gone = await waitUntil(async () => (await inSandbox(`${serverPids}; ${processesMatching('[s]leep 654321')}`)).trim() === '', {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    if (!gone) expect(await inSandbox(`ps -eo pid,pgid,args`), 'processes left after the shell closed').toBe('');
    expect((shell as PersistentSandboxShell).connected).toBe(false);
    await test.engine.sessions.destroy(session, 'ended');
    await expect(shell.run('true', options())).rejects.toThrow(/session ended/);
    // An ended session's checks go to one-off execs (its sandbox is gone: they fail as such).
    expect(test.engine.sessions.shellFor(session)).not.toBe(shell);
  });
});
