import { ExecTimeoutError, type SandboxDriver } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import { CheckShellConnection, CommandNotStartedError } from './check-shell-connection.js';
import type { SandboxShell, ShellResult, ShellRunOptions } from './sandbox-shell.js';

export interface PersistentSandboxShellDeps {
  driver: Pick<SandboxDriver, 'openPipe'>;
  containerId: string;
  /** What runs a command the check shell could not start: a one-off exec. */
  fallback: SandboxShell;
  log: Logger;
  /** How long the server may take to answer a kill before it counts as hung (default 5 s). */
  killGraceMs?: number;
}

/**
 * A sandbox's check shell: one long-lived `docker exec` running a small server
 * (check-shell-server.pl) that runs each command in a process group of its own, instead of a
 * `docker exec` per command (~150 ms of host CPU each). It starts at the first run; when it dies (the
 * learner, root in the sandbox, may kill it) or misbehaves, its pending runs fail and the next run
 * starts a fresh one. A run whose command surely never started there runs as a one-off exec instead,
 * and so does every run once three execs in a row ended without a single reply.
 * Closed with the session: no exec, stream or timer is left.
 */
/** Execs in a row that ended without a single reply: past this many the server cannot run in this sandbox (no perl?). */
const MAX_SILENT_EXECS = 3;

export class PersistentSandboxShell implements SandboxShell {
  private connection: CheckShellConnection | undefined;
  private closed = false;
  private silentExecs = 0;

  constructor(private readonly deps: PersistentSandboxShellDeps) {}

  /** Whether its exec is up (or starting) now. */
  get connected(): boolean {
    return this.connection?.alive ?? false;
  }

  async run(command: string, options: ShellRunOptions): Promise<ShellResult> {
    if (this.closed) throw new Error('the check shell is closed: the session ended');
    const started = Date.now();
    const connection = this.current();
    if (!connection) return this.deps.fallback.run(command, options);
    try {
      return await connection.run(command, options);
    } catch (error) {
      if (!(error instanceof CommandNotStartedError) || this.closed) throw error;
      const timeoutMs = options.timeoutMs - (Date.now() - started);
      if (timeoutMs <= 0) throw new ExecTimeoutError(`timed out after ${Number((options.timeoutMs / 1000).toFixed(1))} s`);
      this.deps.log.info('check-shell.fallback', { reason: error.message });
      return this.deps.fallback.run(command, { ...options, timeoutMs });
    }
  }

  /** Ends the exec for good (runs still pending reject); later runs reject. */
  close(): void {
    this.closed = true;
    this.connection?.close();
    this.connection = undefined;
  }

  /** The live connection, a fresh one if it ended; none once execs kept ending without a reply (one-off execs then). */
  private current(): CheckShellConnection | undefined {
    const previous = this.connection;
    if (previous?.alive) return previous;
    if (previous) {
      this.silentExecs = previous.answered ? 0 : this.silentExecs + 1;
      this.connection = undefined;
      if (this.silentExecs === MAX_SILENT_EXECS) this.deps.log.warn('check-shell.given-up', { execs: MAX_SILENT_EXECS });
    }
    if (this.silentExecs >= MAX_SILENT_EXECS) return undefined;
    const { driver, containerId, log, killGraceMs } = this.deps;
    this.connection = new CheckShellConnection({ driver, containerId, log, killGraceMs });
    return this.connection;
  }
}
