/** What a command run in a sandbox printed, and how it ended. */
export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ShellRunOptions {
  /** The command is ended after this long. */
  timeoutMs: number;
  /** Aborting ends the command (or at least the wait for it). */
  signal: AbortSignal;
}

/**
 * How checkers reach a sandbox: runs `command` with `bash -c` as root on the sandbox host (a Debian
 * container whose docker CLI talks to the sandbox's own daemon; curl, bash and psql are there).
 *
 * Resolves with the exit code and output whatever the exit code is. Rejects only when the command
 * could not run to its end: the sandbox is gone, the exec failed, the timeout passed, the signal
 * aborted.
 */
export interface SandboxShell {
  run(command: string, options: ShellRunOptions): Promise<ShellResult>;
}
