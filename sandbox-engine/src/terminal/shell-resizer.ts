import type { ShellStream } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface ShellResizerDeps {
  /** The shell that runs now, if any. */
  shell: () => ShellStream | undefined;
  /** Whether the terminal closed. */
  closed: () => boolean;
  /** The shell's size is set at most this often (each is a Docker API call). */
  intervalMs: number;
  log: Logger;
  terminalId: string;
}

/**
 * A terminal's size: the one its pages ask for, and the one its shell has. Sets the shell's size only
 * when it differs, at most once per `intervalMs`; sizes asked for meanwhile are coalesced (the newest
 * applies when the wait is over).
 */
export class ShellResizer {
  /** The size the learner's page last gave the terminal. */
  requested: TerminalSize = { cols: 80, rows: 24 };
  /** The size the current shell was last given. */
  private applied: TerminalSize | undefined;
  private lastResizeAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private resizing = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly deps: ShellResizerDeps) {}

  /** A new shell started with this size. */
  shellStarted(size: TerminalSize): void {
    this.applied = { ...size };
  }

  /** Resolves once the size asked for is applied or superseded; never rejects. */
  resize(cols: number, rows: number): Promise<void> {
    this.requested = { cols, rows };
    const idle = !this.timer && !this.resizing;
    if (idle && (!this.deps.shell() || (this.applied?.cols === cols && this.applied.rows === rows))) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (!this.timer && !this.resizing) this.schedule();
    });
  }

  /** The terminal closed: nothing is applied any more, and every wait ends. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private schedule(): void {
    const wait = this.lastResizeAt + this.deps.intervalMs - Date.now();
    if (wait <= 0) return void this.apply();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.apply();
    }, wait);
    this.timer.unref?.();
  }

  private async apply(): Promise<void> {
    const waiters = this.waiters.splice(0);
    const shell = this.deps.shell();
    const { cols, rows } = this.requested;
    if (shell && !this.deps.closed() && (this.applied?.cols !== cols || this.applied.rows !== rows)) {
      this.applied = { cols, rows };
      this.lastResizeAt = Date.now();
      this.resizing = true;
      try {
        await shell.resize(cols, rows);
      } catch (error) {
        this.deps.log.debug('terminal.resize.failed', { terminal: this.deps.terminalId, error });
        if (this.deps.shell() === shell) this.applied = undefined;
      } finally {
        this.resizing = false;
      }
    }
    for (const resolve of waiters) resolve();
    // Sizes asked for while the call ran.
    if (this.waiters.length > 0 && !this.timer) this.schedule();
  }
}
