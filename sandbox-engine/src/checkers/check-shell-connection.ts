import { Writable, type Duplex } from 'node:stream';
import { ExecOutputFloodError, ExecTimeoutError, type SandboxDriver } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import {
  CHECK_SHELL_FLOOD_BYTES,
  CHECK_SHELL_MAX_OUTPUT_BYTES,
  CheckShellReplyParser,
  encodeKillRequest,
  encodeRunRequest,
  type CheckShellReply,
} from './check-shell-protocol.js';
import { checkShellServerArgv } from './check-shell-server.js';
import type { ShellResult, ShellRunOptions } from './sandbox-shell.js';

/** The command never started (its request did not reach a live server, or the server refused it): running it elsewhere runs it once. */
export class CommandNotStartedError extends Error {
  override name = 'CommandNotStartedError';
}

export interface CheckShellConnectionDeps {
  driver: Pick<SandboxDriver, 'openPipe'>;
  containerId: string;
  log: Logger;
  /** How long the server may take to answer a kill before it counts as hung (default 5 s). */
  killGraceMs?: number;
}

interface PendingRun {
  resolve(result: ShellResult): void;
  reject(error: Error): void;
  /** Clears its timer and its abort listener. */
  dispose(): void;
}

/** The server writes to stderr only when something is wrong with it (a perl warning). */
const MAX_STDERR_BYTES = 64 * 1024;

/** As a one-off exec gives it: a character cut in half at the start of the kept tail is dropped. */
const outputText = (bytes: Buffer) => bytes.toString('utf8').replace(/^\uFFFD/, '');

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** The server's own deadline: the engine's, rounded up, and 2 s more so that the engine's kill comes first. */
const serverSeconds = (timeoutMs: number) => Math.min(999_999, Math.max(1, Math.ceil(timeoutMs / 1000)) + 2);

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the command was cancelled');
}

/**
 * One `docker exec` running check-shell-server.pl in a sandbox, and the runs sent to it, matched by
 * id. Every run settles: with its reply, at its timeout or abort (its process group killed in the
 * sandbox), or when the connection ends, since it fails every pending run then. It ends for good
 * when the exec cannot start or ends, when the server sends anything but the replies it owes, or
 * when it does not answer a kill: a fresh one takes its place (PersistentSandboxShell).
 */
export class CheckShellConnection {
  private stream: Duplex | undefined;
  /** Requests written before the exec was up. */
  private queued: string[] = [];
  private readonly runs = new Map<number, PendingRun>();
  /** Requests the server owes a final reply (pending runs, and cut ones until their late reply), and whether it said they started. */
  private readonly owed = new Map<number, { started: boolean }>();
  private readonly killTimers = new Map<number, NodeJS.Timeout>();
  private readonly parser = new CheckShellReplyParser();
  private nextId = 1;
  private stderrTail = '';
  private stderrBytes = 0;
  private endReason: string | undefined;
  private heard = false;

  constructor(private readonly deps: CheckShellConnectionDeps) {
    const stdout = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.onStdout(chunk);
        done();
      },
    });
    // Only for the log: the server's own errors, a few lines at most. More is a learner flooding it.
    const stderr = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.stderrBytes += chunk.length;
        if (this.stderrBytes > MAX_STDERR_BYTES) this.fail(`wrote more than ${MAX_STDERR_BYTES} bytes of errors`);
        else this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-500);
        done();
      },
    });
    deps.driver.openPipe(deps.containerId, checkShellServerArgv(CHECK_SHELL_MAX_OUTPUT_BYTES, CHECK_SHELL_FLOOD_BYTES), { stdout, stderr }).then(
      (stream) => this.attach(stream),
      (error: unknown) => this.fail(`could not start (${error instanceof Error ? error.message : String(error)})`),
    );
  }

  /** False once it ended: runs are refused, and a fresh connection should take its place. */
  get alive(): boolean {
    return this.endReason === undefined;
  }

  /** Whether the server ever sent a well-formed reply it owed (a server that cannot run here never does). */
  get answered(): boolean {
    return this.heard;
  }

  /** Runs `command` as the SandboxShell contract says; rejects with CommandNotStartedError when it surely did not run. */
  run(command: string, options: ShellRunOptions): Promise<ShellResult> {
    return new Promise<ShellResult>((resolve, reject) => {
      if (this.endReason !== undefined) return reject(new CommandNotStartedError(`the check shell ${this.endReason}`));
      const id = this.nextId++;
      const request = encodeRunRequest(id, serverSeconds(options.timeoutMs), command);
      const { signal, timeoutMs } = options;
      if (signal.aborted) return reject(abortError(signal));
      const timer = setTimeout(() => this.cut(id, new ExecTimeoutError(`timed out after ${seconds(timeoutMs)}`)), timeoutMs);
      const onAbort = () => this.cut(id, abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      const dispose = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      this.runs.set(id, { resolve, reject, dispose });
      this.owed.set(id, { started: false });
      this.send(request);
    });
  }

  /** Ends the exec (the server sees its stdin end and kills what still runs); pending runs reject. */
  close(): void {
    this.fail('was closed', false);
  }

  private attach(stream: Duplex): void {
    if (this.endReason !== undefined) {
      stream.destroy();
      return;
    }
    this.stream = stream;
    stream.on('error', (error: Error) => this.fail(`lost its connection (${error.message})`));
    stream.on('end', () => this.fail('ended'));
    stream.on('close', () => this.fail('ended'));
    for (const request of this.queued) stream.write(request);
    this.queued = [];
  }

  private send(request: string): void {
    if (this.stream) this.stream.write(request);
    else this.queued.push(request);
  }

  /** A run's timeout or abort: it rejects now, and its process group is killed in the sandbox. */
  private cut(id: number, error: Error): void {
    const run = this.settle(id);
    if (!run) return;
    run.reject(error);
    if (!this.stream) {
      // The exec did not come up within a whole check's budget: something is wrong with it.
      this.fail(`did not start within ${error.message.replace(/^timed out after /, '')}`);
      return;
    }
    this.send(encodeKillRequest(id));
    const graceMs = this.deps.killGraceMs ?? 5000;
    this.killTimers.set(
      id,
      setTimeout(() => this.fail(`did not answer a kill within ${seconds(graceMs)}`), graceMs),
    );
  }

  private settle(id: number): PendingRun | undefined {
    const run = this.runs.get(id);
    if (!run) return undefined;
    this.runs.delete(id);
    run.dispose();
    return run;
  }

  private onStdout(chunk: Buffer): void {
    if (this.endReason !== undefined) return;
    const { replies, error } = this.parser.push(chunk);
    for (const reply of replies) {
      this.onReply(reply);
      if (this.endReason !== undefined) return;
    }
    if (error) this.fail(`sent a malformed reply (${error.message})`);
  }

  private onReply(reply: CheckShellReply): void {
    const owed = this.owed.get(reply.id);
    if (!owed) return this.fail(`sent a reply to request ${reply.id}, which it did not owe`);
    this.heard = true;
    if (reply.kind === 'started') {
      if (owed.started) return this.fail(`said twice that request ${reply.id} started`);
      owed.started = true;
      return;
    }
    this.owed.delete(reply.id);
    clearTimeout(this.killTimers.get(reply.id));
    this.killTimers.delete(reply.id);
    // A run cut before: its reply came too late for anyone.
    const run = this.settle(reply.id);
    if (!run) return;
    if (reply.kind === 'failed') run.reject(new CommandNotStartedError('the check shell could not start the command'));
    else if (reply.kind === 'flooded') run.reject(new ExecOutputFloodError(`the command printed more than ${Math.floor(reply.bytes / 1024)} KiB; it was stopped`));
    else run.resolve({ exitCode: reply.exitCode, stdout: outputText(reply.stdout), stderr: outputText(reply.stderr) });
  }

  private fail(reason: string, unexpected = true): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    for (const timer of this.killTimers.values()) clearTimeout(timer);
    this.killTimers.clear();
    this.queued = [];
    this.stream?.destroy();
    for (const [id, run] of this.runs) {
      run.dispose();
      run.reject(
        this.owed.get(id)?.started
          ? new Error(`the check shell in the sandbox ${reason} while the command ran`)
          : new CommandNotStartedError(`the check shell ${reason} before the command started`),
      );
    }
    this.runs.clear();
    this.owed.clear();
    if (unexpected) this.deps.log.warn('check-shell.failed', { reason, serverStderr: this.stderrTail || undefined });
  }
}
