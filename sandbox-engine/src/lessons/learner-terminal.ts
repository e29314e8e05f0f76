import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { stripVTControlCharacters } from 'node:util';
import type { ShellStream } from '../drivers/sandbox-driver.js';
import { waitUntil } from '../process/wait-until.js';

/** Lines the runner types itself (to read `$?`) carry this word; the shell leaves them out of its history. */
const MARKER_WORD = '__DOCKYARD_';

/**
 * Environment of the shell a LearnerTerminal types into: its own status lines stay out of the
 * history (the learner's .bashrc sets HISTCONTROL and PROMPT_COMMAND, never HISTIGNORE).
 */
export const LEARNER_TERMINAL_ENV = [`HISTIGNORE=*${MARKER_WORD}*`];

/** A prompt ends the screen: `root@sandbox:~# ` (or `$ `), colours taken out; never `> `, a command still being typed. */
const PROMPT_END = /[#$] $/;

export interface TypedCommand {
  exitCode: number;
  /** What the terminal showed from the command's echo to the prompt, without colours (the last 4000 characters). */
  output: string;
}

export class LearnerTerminalError extends Error {
  override name = 'LearnerTerminalError';
}

export interface LearnerTerminalOptions {
  /** The prompt counts as back once the shell printed nothing for this long (default 150 ms). */
  quietMs?: number;
}

/** Colours, cursor moves and carriage returns taken out. */
export function screenText(raw: string): string {
  return stripVTControlCharacters(raw).replace(/\r/g, '');
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;
const tail = (text: string, chars: number) => (text.length <= chars ? text : `…${text.slice(-chars)}`);

/**
 * Types commands into an interactive shell of a sandbox the way the learner's terminal does (the
 * text and Enter, nothing else on the command line), so the shell's .bashrc, PROMPT_COMMAND and
 * history work as for a learner. A command is done when the prompt is back; the exit status is then
 * read with a line of its own, which the shell keeps out of its history (LEARNER_TERMINAL_ENV).
 */
export class LearnerTerminal {
  /** What the shell printed since the last line typed. */
  private printed = '';
  private lastOutputAt = Date.now();
  private ended = false;
  private readonly nonce = randomBytes(4).toString('hex');
  private count = 0;
  private readonly quietMs: number;

  constructor(
    private readonly shell: Pick<ShellStream, 'stream'>,
    options: LearnerTerminalOptions = {},
  ) {
    this.quietMs = options.quietMs ?? 150;
    const decoder = new StringDecoder('utf8');
    shell.stream.on('data', (chunk: Buffer | string) => {
      this.printed += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      // Bounded: the tail is all that is ever read.
      if (this.printed.length > 200_000) this.printed = this.printed.slice(-100_000);
      this.lastOutputAt = Date.now();
    });
    const end = () => {
      this.ended = true;
    };
    shell.stream.on('end', end);
    shell.stream.on('close', end);
    shell.stream.on('error', end);
  }

  /** Resolves once the shell shows its first prompt. */
  async ready(timeoutMs = 30_000): Promise<void> {
    await this.waitFor(() => this.promptShown(), Date.now() + timeoutMs).catch((error: unknown) => {
      throw new LearnerTerminalError(`the sandbox shell showed no prompt within ${seconds(timeoutMs)}: ${(error as Error).message}\n${tail(screenText(this.printed), 400)}`);
    });
  }

  /**
   * Types `command` and Enter, waits for the prompt to come back, and reads the exit status.
   * Past `timeoutMs` it presses Ctrl-C and rejects with what the terminal shows.
   */
  async type(command: string, timeoutMs: number): Promise<TypedCommand> {
    const deadline = Date.now() + timeoutMs;
    const output = await this.typeUntilPrompt(command, timeoutMs);
    // The word is split in the typed line, so only printf's output matches (not the line's echo).
    const id = `DONE_${this.nonce}_${++this.count}`;
    const status = new RegExp(`${MARKER_WORD}${id} (\\d+)`);
    this.write(`printf '%s%s %s\\n' ${MARKER_WORD} ${id} $?\r`);
    // A prompt that was not one (output that ends like a prompt) makes the line wait behind the command.
    await this.waitFor(() => status.test(this.printed), Math.max(deadline, Date.now() + 10_000)).catch((error: unknown) => {
      throw new LearnerTerminalError(
        `the shell did not print the exit status of the command (did the command read the terminal's input?): ${(error as Error).message}; the terminal shows:\n${tail(screenText(this.printed), 600)}`,
      );
    });
    return { exitCode: Number(status.exec(this.printed)![1]), output };
  }

  /**
   * Types `command` and Enter and waits for the prompt to come back, typing nothing else (a
   * learner's own terminal shows, and keeps in its history, the command alone). Resolves with what
   * the terminal showed; past `timeoutMs` it presses Ctrl-C and rejects with what the terminal shows.
   */
  async typeUntilPrompt(command: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    this.write(`${command.replace(/\r?\n/g, '\n')}\r`);
    try {
      // Only a prompt after the Enter's line break counts: a prompt redrawn before it (the terminal
      // was resized: SIGWINCH) is the old one, with the command not run yet.
      await this.waitFor(() => this.promptShown(true), deadline);
    } catch {
      const shown = tail(screenText(this.printed), 600);
      if (this.ended) throw new LearnerTerminalError(`the shell ended while the command ran; the terminal shows:\n${shown}`);
      this.write('\x03');
      await this.waitFor(() => this.promptShown(), Date.now() + 5000).catch(() => undefined);
      throw new LearnerTerminalError(
        `the command did not finish within ${seconds(timeoutMs)}: the prompt did not come back (Ctrl-C sent); the terminal shows:\n${shown}`,
      );
    }
    return tail(screenText(this.printed), 4000);
  }

  close(): void {
    this.shell.stream.destroy();
  }

  private write(data: string): void {
    this.printed = '';
    this.lastOutputAt = Date.now();
    this.shell.stream.write(data);
  }

  private promptShown(afterEnter = false): boolean {
    return (
      Date.now() - this.lastOutputAt >= this.quietMs &&
      PROMPT_END.test(screenText(this.printed.slice(-400))) &&
      (!afterEnter || this.printed.includes('\n'))
    );
  }

  /** Resolves once `done()` holds (asked every 25 ms); rejects when the shell ends or at `deadline`. */
  private async waitFor(done: () => boolean, deadline: number): Promise<void> {
    const held = await waitUntil(done, { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 25, stopped: () => this.ended });
    if (!held) throw new LearnerTerminalError(this.ended ? 'the shell ended' : 'timed out');
  }
}
