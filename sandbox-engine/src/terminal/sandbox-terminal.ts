import { StringDecoder } from 'node:string_decoder';
import type { ShellStream } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import { ShellResizer } from './shell-resizer.js';
import type { OutputRecorder } from './terminal-journal.js';
import type { TerminalObservation } from './terminal-observation.js';
import { TerminalOutput, type OutputListener, type TerminalAttachment } from './terminal-output.js';

export type { TerminalObservation } from './terminal-observation.js';
export { WATCH_MAX_UNACKED } from './terminal-observation.js';
export type { OutputListener, TerminalAttachment } from './terminal-output.js';

export type OpenShell = (size: { cols: number; rows: number }) => Promise<ShellStream>;

const RESPAWN_LIMIT_PER_MINUTE = 5;

export interface TerminalLimits {
  /** Input kept for a shell that is starting; more is dropped (with one notice). */
  pendingInputChars: number;
  /** A page's attach starts a shell that ended for good again, at most this often (each start is an exec in the sandbox). */
  restartIntervalMs: number;
  /** The shell's size is set at most this often (each is a Docker API call); the newest size always applies, after the wait. */
  resizeIntervalMs: number;
}

/**
 * 64 KiB is four of the page's largest input messages: what a learner can type or paste in the
 * fraction of a second a shell takes to start. Restarting on attach at most every 5 s and resizing at
 * most 4 times a second keep what a page can make the engine ask of Docker small.
 */
export const TERMINAL_LIMITS: TerminalLimits = { pendingInputChars: 64 * 1024, restartIntervalMs: 5000, resizeIntervalMs: 250 };

/**
 * One shell in a sandbox, shared by every page attached to it: keeps recent output for reconnects
 * (terminal-output.ts, which also holds the flow control and read-only observers), takes each
 * client's input once (by sequence number), starts a new shell when one ends, and sets its size
 * (shell-resizer.ts).
 */
export class SandboxTerminal {
  private readonly output: TerminalOutput;
  private readonly resizer: ShellResizer;
  private readonly lastSeq = new Map<string, number>();
  private shell: ShellStream | undefined;
  /** A start (the first, a respawn or a restart) is in flight: input waits for it in pendingInput. */
  private starting = false;
  private pendingInput: string[] = [];
  private pendingChars = 0;
  /** Dropped input was already announced since the last start. */
  private dropNoticed = false;
  private closed = false;
  private respawns: number[] = [];
  private lastRestartAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly id: string,
    private readonly openShell: OpenShell,
    scrollbackChars: number,
    private readonly log: Logger,
    /** Saves the output for the next engine, and gives back what the last one saved. */
    recorder?: OutputRecorder,
    private readonly limits: TerminalLimits = TERMINAL_LIMITS,
  ) {
    this.output = new TerminalOutput(scrollbackChars, { pause: () => this.shell?.stream.pause(), resume: () => this.shell?.stream.resume() }, recorder);
    this.resizer = new ShellResizer({ shell: () => this.shell, closed: () => this.closed, intervalMs: limits.resizeIntervalMs, log, terminalId: id });
  }

  /** The size the learner's page last gave the shell (what a read-only watcher should show). */
  get requestedSize(): { cols: number; rows: number } {
    return { ...this.resizer.requested };
  }

  /** Whether a shell runs (or is starting): false once it ended for good, until a page attaches again. */
  get running(): boolean {
    return this.shell !== undefined || this.starting;
  }

  async start(size = this.resizer.requested): Promise<void> {
    this.resizer.requested = size;
    this.starting = true;
    this.dropNoticed = false;
    let shell: ShellStream;
    try {
      shell = await this.openShell(size);
    } catch (error) {
      this.starting = false;
      this.dropPendingInput();
      throw error;
    }
    this.starting = false;
    if (this.closed) {
      shell.stream.destroy();
      return;
    }
    this.shell = shell;
    this.resizer.shellStarted(size);
    const decoder = new StringDecoder('utf8');
    shell.stream.on('data', (chunk: Buffer) => this.print(decoder.write(chunk)));
    if (this.output.paused) shell.stream.pause();
    let ended = false;
    const onEnd = () => {
      if (ended) return;
      ended = true;
      if (this.shell === shell) this.shell = undefined;
      if (!this.closed) this.respawn();
    };
    shell.stream.on('end', onEnd);
    shell.stream.on('close', onEnd);
    shell.stream.on('error', (error: Error) => {
      this.log.warn('terminal.stream.error', { terminal: this.id, error });
      onEnd();
    });
    const pending = this.pendingInput.splice(0);
    this.pendingChars = 0;
    for (const data of pending) shell.stream.write(data);
    // A page resized while the shell started.
    const requested = this.resizer.requested;
    if (requested.cols !== size.cols || requested.rows !== size.rows) void this.resize(requested.cols, requested.rows);
    // The stream may have ended before the listeners were there.
    if (shell.stream.destroyed || shell.stream.readableEnded) onEnd();
  }

  private respawn(): void {
    const now = Date.now();
    this.respawns = this.respawns.filter((at) => now - at < 60_000);
    if (this.respawns.length >= RESPAWN_LIMIT_PER_MINUTE) {
      this.dropPendingInput();
      this.print('\r\n\x1b[33m[The shell keeps ending. Reload the page to start a new one.]\x1b[0m\r\n');
      return;
    }
    this.respawns.push(now);
    this.starting = true;
    this.print('\r\n\x1b[33m[The shell ended. Starting a new one…]\x1b[0m\r\n');
    setTimeout(() => {
      if (this.closed) return;
      this.start().catch((error) => {
        this.log.warn('terminal.respawn.failed', { terminal: this.id, error });
        this.print('\r\n\x1b[31m[Could not start a new shell: the sandbox may have stopped.]\x1b[0m\r\n');
      });
    }, 300);
  }

  /**
   * A page attached (a reload, as the terminal told the learner): starts a shell that ended for good
   * again, at most once per `restartIntervalMs`. Returns whether it started one.
   */
  restartIfEnded(): boolean {
    if (this.closed || this.running) return false;
    const now = Date.now();
    if (now - this.lastRestartAt < this.limits.restartIntervalMs) return false;
    this.lastRestartAt = now;
    this.print('\r\n\x1b[33m[Starting a new shell…]\x1b[0m\r\n');
    this.start().catch((error) => {
      this.log.warn('terminal.restart.failed', { terminal: this.id, error });
      this.print('\r\n\x1b[31m[Could not start a new shell: the sandbox may have stopped.]\x1b[0m\r\n');
    });
    return true;
  }

  /** Adds output (from the shell or an engine notice) and hands it to every attached page. */
  print(data: string): void {
    this.output.print(data);
  }

  /**
   * What the page missed since `since`, and a subscription to what follows; atomic, so nothing is
   * sent twice. The page acknowledges what it wrote with `ack`; one that holds the shell paused
   * without acknowledging for too long is detached, and told through `onStall`. `backlogged`: whether
   * the page's connection holds more unsent output than it may, which holds the shell whatever it acknowledged.
   */
  attach(
    since: number,
    listener: OutputListener,
    onStall: () => void = () => undefined,
    backlogged?: () => boolean,
  ): TerminalAttachment {
    return this.output.attach(since, listener, onStall, backlogged);
  }

  /**
   * A read-only view (an instructor watching) that never holds the shell: output the viewer has no
   * room for is skipped, and sent from the scrollback once it has room again (terminal-observation.ts).
   * The learner's shell runs at the learner's pace only.
   */
  observe(since: number, listener: OutputListener, backlogged: () => boolean, maxUnacked?: number): TerminalObservation {
    return this.output.observe(since, listener, backlogged, maxUnacked);
  }

  /**
   * Sends input to the shell, or keeps it for a shell that is starting (up to `pendingInputChars`).
   * Returns whether it was taken: false for a message of this client with this seq already taken, and
   * for input dropped because no shell runs or too much waits (the terminal says so once).
   */
  write(clientId: string, seq: number, data: string): boolean {
    const last = this.lastSeq.get(clientId);
    if (last !== undefined && seq <= last) return false;
    this.lastSeq.set(clientId, seq);
    if (this.lastSeq.size > 200) this.lastSeq.delete(this.lastSeq.keys().next().value as string);
    if (this.shell) {
      this.shell.stream.write(data);
      return true;
    }
    if (this.closed) return false;
    if (!this.starting) {
      this.noticeDrop('[No shell is running here: what you type is dropped. Reload the page to start a new one.]');
      return false;
    }
    if (this.pendingChars + data.length > this.limits.pendingInputChars) {
      this.noticeDrop(`[The shell is still starting: input past ${Math.round(this.limits.pendingInputChars / 1024)} KiB was dropped.]`);
      return false;
    }
    this.pendingInput.push(data);
    this.pendingChars += data.length;
    return true;
  }

  /** Characters of input kept for a shell that is starting. */
  get pendingInputChars(): number {
    return this.pendingChars;
  }

  /**
   * Sets the shell's size: nothing when it has it already, and at most once per `resizeIntervalMs`
   * (sizes asked for meanwhile are coalesced: the newest applies when the wait is over). Resolves once
   * the size asked for is applied or superseded; never rejects.
   */
  resize(cols: number, rows: number): Promise<void> {
    return this.resizer.resize(cols, rows);
  }

  close(): void {
    this.closed = true;
    this.output.close();
    this.dropPendingInput();
    this.resizer.close();
    this.shell?.stream.destroy();
    this.shell = undefined;
  }

  private dropPendingInput(): void {
    this.pendingInput = [];
    this.pendingChars = 0;
  }

  private noticeDrop(text: string): void {
    if (this.dropNoticed) return;
    this.dropNoticed = true;
    this.print(`\r\n\x1b[33m${text}\x1b[0m\r\n`);
  }
}
