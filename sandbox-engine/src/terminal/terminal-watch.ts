import type { WatchOutput } from '../contracts/instructor.js';
import type { SandboxTerminal, TerminalObservation } from './sandbox-terminal.js';
import type { OutputChunk } from './scrollback-buffer.js';

export interface TerminalWatchDeps {
  terminal: SandboxTerminal;
  /** Output offset the watcher holds. */
  since: number;
  send(output: WatchOutput): void;
  /** The learner's page gave the shell another size. */
  resized(size: { cols: number; rows: number }): void;
  /** Whether the watcher's connection is backed up (socket-backlog.ts): it is then sent nothing until it drains. */
  backlogged(): boolean;
}

/**
 * A read-only view of a learner's terminal. It never holds the learner's shell (a watcher in a
 * background tab skips output and catches up from the scrollback, see SandboxTerminal.observe), and
 * holds no way to write to the shell or resize it.
 */
export class TerminalWatch {
  readonly replay: OutputChunk;
  private readonly observation: TerminalObservation;
  private size: { cols: number; rows: number };
  private stopped = false;

  constructor(private readonly deps: TerminalWatchDeps) {
    this.size = deps.terminal.requestedSize;
    this.observation = deps.terminal.observe(
      deps.since,
      (chunk) => {
        this.checkSize();
        deps.send(chunk);
      },
      deps.backlogged,
    );
    this.replay = this.observation.replay;
  }

  /** The learner's terminal size when the watch started (or last changed). */
  get currentSize(): { cols: number; rows: number } {
    return { ...this.size };
  }

  /** The watcher wrote the output up to `offset`. */
  ack(offset: number): void {
    if (!this.stopped) this.observation.ack(offset);
  }

  /** The watcher's connection drained. */
  recheck(): void {
    if (!this.stopped) this.observation.recheck();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.observation.detach();
  }

  private checkSize(): void {
    const size = this.deps.terminal.requestedSize;
    if (size.cols === this.size.cols && size.rows === this.size.rows) return;
    this.size = size;
    this.deps.resized(size);
  }
}
