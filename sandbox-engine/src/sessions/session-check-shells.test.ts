import { describe, expect, it } from 'vitest';
import { PersistentSandboxShell } from '../checkers/persistent-sandbox-shell.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import { createLogger } from '../log/logger.js';
import { Session } from './session.js';
import { SessionCheckShells } from './session-check-shells.js';

/** Nothing here reaches Docker: a check shell opens its exec only at its first run, and no test runs one. */
const driver = {} as Pick<SandboxDriver, 'exec' | 'openPipe'>;
const shells = new SessionCheckShells({ driver, log: createLogger('error', {}, () => undefined) });
const session = () => new Session('aaa', 'a', 'ab'.repeat(32), 'c-aaa', 'n-aaa', 0, 60_000);

describe('SessionCheckShells', () => {
  it('gives a live session one check shell, kept on the session', () => {
    const live = session();
    const shell = shells.for(live);
    expect(shell).toBeInstanceOf(PersistentSandboxShell);
    expect(shells.for(live)).toBe(shell);
    expect(live.checkShell).toBe(shell);
  });

  it('closes it (later runs reject), and an ended session gets one-off execs instead', async () => {
    const ending = session();
    const shell = shells.for(ending);
    shells.close(ending);
    await expect(shell.run('true', { timeoutMs: 1000, signal: new AbortController().signal })).rejects.toThrow(/closed/);
    ending.ended = true;
    const after = shells.for(ending);
    expect(after).not.toBeInstanceOf(PersistentSandboxShell);
    expect(after).not.toBe(shell);
  });

  it('closing a session that never ran a check does nothing', () => {
    expect(() => shells.close(session())).not.toThrow();
  });
});
