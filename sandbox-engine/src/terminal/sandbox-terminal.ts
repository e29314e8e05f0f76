import { StringDecoder } from 'node:string_decoder';
import type { ShellStream } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import { ScrollbackBuffer, type OutputChunk } from './scrollback-buffer.js';
import { OutputFlow } from './output-flow.js';
import type { OutputRecorder } from './terminal-journal.js';

export type OpenShell = (size: { cols: number; rows: number }) => Promise<ShellStream>;
export type OutputListener = (chunk: OutputChunk) => void;

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

/** How much a watcher may be sent and not acknowledge before it skips output (see observe). */
export const WATCH_MAX_UNACKED = 256 * 1024;

/** A read-only view of a terminal, which never holds the shell (see SandboxTerminal.observe). */
export interface TerminalObservation {
  replay: OutputChunk;
  /** The viewer wrote the output up to `offset`. */
  ack(offset: number): void;
  /** The viewer's connection drained: it may be sent what it missed. */
  recheck(): void;
  detach(): void;
}

/** One page's attachment to a terminal. */
export interface TerminalAttachment {
  /** What the page missed, to send it before anything else. */
  replay: OutputChunk;
  detach(): void;
  /** The page wrote the output up to `offset`. */
  ack(offset: number): void;
  /**
   * The same page attached again on the same connection: the output from `since`, to send it. What it
   * was sent before and has not acknowledged still counts against its window.
   */
  resend(since: number): OutputChunk;
  /** The page's transport drained: the shell may resume. */
  recheck(): void;
}

/**
 * One shell in a sandbox, shared by every page attached to it: keeps recent output for
 * reconnects, and takes each client's input once (by sequence number).
 */
export class SandboxTerminal {
  private readonly buffer: ScrollbackBuffer;
  private readonly listeners = new Set<OutputListener>();
  private readonly lastSeq = new Map<string, number>();
  private shell: ShellStream | undefined;
  /** A start (the first, a respawn or a restart) is in flight: input waits for it in pendingInput. */
  private starting = false;
  private pendingInput: string[] = [];
  private pendingChars = 0;
  /** Dropped input was already announced since the last start. */
  private dropNoticed = false;
  private size = { cols: 80, rows: 24 };
  private closed = false;
  private respawns: number[] = [];
  private lastRestartAt = Number.NEGATIVE_INFINITY;
  /** The size the current shell was last given, and when. */
  private shellSize: { cols: number; rows: number } | undefined;
  private lastResizeAt = Number.NEGATIVE_INFINITY;
  private resizeTimer: NodeJS.Timeout | undefined;
  private resizing = false;
  private resizeWaiters: (() => void)[] = [];
  /** Pauses the shell while a page has too much output unacknowledged. */
  private readonly flow = new OutputFlow({ pause: () => this.shell?.stream.pause(), resume: () => this.shell?.stream.resume() });

  constructor(
    readonly id: string,
    private readonly openShell: OpenShell,
    scrollbackChars: number,
    private readonly log: Logger,
    /** Saves the output for the next engine, and gives back what the last one saved. */
    private readonly recorder?: OutputRecorder,
    private readonly limits: TerminalLimits = TERMINAL_LIMITS,
  ) {
    this.buffer = new ScrollbackBuffer(scrollbackChars, recorder?.initial);
  }

  /** The size the learner's page last gave the shell (what a read-only watcher should show). */
  get requestedSize(): { cols: number; rows: number } {
    return { ...this.size };
  }

  /** Whether a shell runs (or is starting): false once it ended for good, until a page attaches again. */
  get running(): boolean {
    return this.shell !== undefined || this.starting;
  }

  async start(size = this.size): Promise<void> {
    this.size = size;
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
    this.shellSize = { ...size };
    const decoder = new StringDecoder('utf8');
    shell.stream.on('data', (chunk: Buffer) => this.print(decoder.write(chunk)));
    if (this.flow.paused) shell.stream.pause();
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
    if (this.size.cols !== size.cols || this.size.rows !== size.rows) void this.resize(this.size.cols, this.size.rows);
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
    if (!data) return;
    const chunk = this.buffer.append(data);
    this.recorder?.record(chunk);
    for (const listener of this.listeners) listener(chunk);
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
    const replay = this.buffer.since(since);
    const reader = this.flow.add(
      replay.offset,
      () => {
        this.listeners.delete(send);
        onStall();
      },
      backlogged,
    );
    const send: OutputListener = (chunk) => {
      listener(chunk);
      reader.sent(chunk.offset + chunk.data.length);
    };
    reader.sent(replay.offset + replay.data.length);
    this.listeners.add(send);
    return {
      replay,
      detach: () => {
        this.listeners.delete(send);
        reader.remove();
      },
      ack: (offset) => reader.ack(offset),
      resend: (from) => {
        const again = this.buffer.since(from);
        reader.restart(again.offset);
        reader.sent(again.offset + again.data.length);
        return again;
      },
      recheck: () => reader.recheck(),
    };
  }

  /**
   * A read-only view (an instructor watching) that never holds the shell: output the viewer has no
   * room for (more than `maxUnacked` unacknowledged, or its connection backed up) is skipped, and once
   * it has room again it is sent what the scrollback still holds from where it left off (a later
   * offset when the gap outgrew the scrollback). The learner's shell runs at the learner's pace only.
   */
  observe(since: number, listener: OutputListener, backlogged: () => boolean, maxUnacked = WATCH_MAX_UNACKED): TerminalObservation {
    const replay = this.buffer.since(since);
    let sentEnd = replay.offset + replay.data.length;
    let ackedEnd = replay.offset;
    let behind = false;
    const hasRoom = () => sentEnd - ackedEnd <= maxUnacked && !backlogged();
    const catchUp = () => {
      if (!behind || !hasRoom()) return;
      behind = false;
      const missed = this.buffer.since(sentEnd);
      if (missed.data.length === 0) return;
      // Counted as acknowledged up to where the gap began: the view owes acks only for what it is sent.
      ackedEnd = Math.max(ackedEnd, missed.offset - (sentEnd - ackedEnd));
      sentEnd = missed.offset + missed.data.length;
      listener(missed);
    };
    const send: OutputListener = (chunk) => {
      if (behind || !hasRoom()) {
        behind = true;
        return;
      }
      sentEnd = chunk.offset + chunk.data.length;
      listener(chunk);
    };
    this.listeners.add(send);
    return {
      replay,
      ack: (offset) => {
        ackedEnd = Math.max(ackedEnd, Math.min(offset, sentEnd));
        catchUp();
      },
      recheck: catchUp,
      detach: () => this.listeners.delete(send),
    };
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
    this.size = { cols, rows };
    const idle = !this.resizeTimer && !this.resizing;
    if (idle && (!this.shell || (this.shellSize?.cols === cols && this.shellSize.rows === rows))) return Promise.resolve();
    return new Promise((resolve) => {
      this.resizeWaiters.push(resolve);
      if (!this.resizeTimer && !this.resizing) this.scheduleResize();
    });
  }

  private scheduleResize(): void {
    const wait = this.lastResizeAt + this.limits.resizeIntervalMs - Date.now();
    if (wait <= 0) return void this.applySize();
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = undefined;
      void this.applySize();
    }, wait);
    this.resizeTimer.unref?.();
  }

  private async applySize(): Promise<void> {
    const waiters = this.resizeWaiters.splice(0);
    const shell = this.shell;
    const { cols, rows } = this.size;
    if (shell && !this.closed && (this.shellSize?.cols !== cols || this.shellSize.rows !== rows)) {
      this.shellSize = { cols, rows };
      this.lastResizeAt = Date.now();
      this.resizing = true;
      try {
        await shell.resize(cols, rows);
      } catch (error) {
        this.log.debug('terminal.resize.failed', { terminal: this.id, error });
        if (this.shell === shell) this.shellSize = undefined;
      } finally {
        this.resizing = false;
      }
    }
    for (const resolve of waiters) resolve();
    // Sizes asked for while the call ran.
    if (this.resizeWaiters.length > 0 && !this.resizeTimer) this.scheduleResize();
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.flow.close();
    this.dropPendingInput();
    clearTimeout(this.resizeTimer);
    this.resizeTimer = undefined;
    for (const resolve of this.resizeWaiters.splice(0)) resolve();
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
