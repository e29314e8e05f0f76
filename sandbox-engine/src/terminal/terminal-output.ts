import { OutputFlow, type FlowValve } from './output-flow.js';
import { ScrollbackBuffer, type OutputChunk } from './scrollback-buffer.js';
import type { OutputRecorder } from './terminal-journal.js';
import { observeOutput, WATCH_MAX_UNACKED, type TerminalObservation } from './terminal-observation.js';

export type OutputListener = (chunk: OutputChunk) => void;

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
 * A terminal's output: the scrollback (kept for reconnects, and recorded for the next engine), the
 * pages attached to it under flow control (which pauses the shell through `valve`), and read-only
 * observers, which never hold the shell.
 */
export class TerminalOutput {
  private readonly buffer: ScrollbackBuffer;
  private readonly listeners = new Set<OutputListener>();
  /** Pauses the shell while a page has too much output unacknowledged. */
  private readonly flow: OutputFlow;

  constructor(
    scrollbackChars: number,
    valve: FlowValve,
    /** Saves the output for the next engine, and gives back what the last one saved. */
    private readonly recorder?: OutputRecorder,
  ) {
    this.buffer = new ScrollbackBuffer(scrollbackChars, recorder?.initial);
    this.flow = new OutputFlow(valve);
  }

  /** Whether a page holds the shell paused (a new shell of the terminal starts paused too). */
  get paused(): boolean {
    return this.flow.paused;
  }

  /** Adds output and hands it to every attached page and observer. */
  print(data: string): void {
    if (!data) return;
    const chunk = this.buffer.append(data);
    this.recorder?.record(chunk);
    for (const listener of this.listeners) listener(chunk);
  }

  /** See SandboxTerminal.attach. */
  attach(since: number, listener: OutputListener, onStall: () => void, backlogged?: () => boolean): TerminalAttachment {
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

  /** See SandboxTerminal.observe. */
  observe(since: number, listener: OutputListener, backlogged: () => boolean, maxUnacked = WATCH_MAX_UNACKED): TerminalObservation {
    return observeOutput(
      {
        since: (offset) => this.buffer.since(offset),
        subscribe: (send) => {
          this.listeners.add(send);
          return () => this.listeners.delete(send);
        },
      },
      { since, listener, backlogged, maxUnacked },
    );
  }

  /** Drops every page and observer. */
  close(): void {
    this.listeners.clear();
    this.flow.close();
  }
}
