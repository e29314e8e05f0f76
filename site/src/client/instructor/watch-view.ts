import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import type { WatchOutput, WatchStarted } from '../../../../sandbox-engine/src/contracts/instructor.js';
import { OutputAcks } from '../output-acks.ts';
import { OutputCursor } from '../output-cursor.ts';
import { theme } from '../terminal.ts';

/**
 * A read-only xterm showing a learner's terminal at the learner's size: output only (stdin is
 * disabled, so keys typed here produce nothing, and the connection has no input event anyway).
 * Writes each character once across reconnects and acknowledges what it wrote, like a lesson page.
 */
export class WatchView {
  readonly #terminal: Terminal;
  readonly #cursor = new OutputCursor();
  readonly #acks: OutputAcks;
  /** The watched terminal's key: another one (a new sandbox) starts the view over. */
  #key: string | undefined;

  constructor(host: HTMLElement, sendAck: (offset: number) => void) {
    this.#acks = new OutputAcks(sendAck);
    this.#terminal = new Terminal({
      disableStdin: true,
      cursorBlink: false,
      screenReaderMode: true,
      fontSize: 13,
      lineHeight: 1.2,
      fontFamily: '"DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, ui-monospace, monospace',
      scrollback: 5000,
      theme,
    });
    this.#terminal.open(host);
    this.#terminal.textarea?.setAttribute('aria-label', 'Learner terminal (read-only)');
  }

  /** Where to continue from after a reconnect. */
  get position(): { since: number; key?: string } {
    return { since: this.#cursor.received, ...(this.#key ? { key: this.#key } : {}) };
  }

  /** A watch started (or continued after a reconnect): sizes the view and writes the replay. */
  start(started: WatchStarted): void {
    if (started.key !== this.#key) this.reset();
    this.#key = started.key;
    this.resize(started);
    this.write(started.replay);
  }

  write({ offset, data }: WatchOutput): void {
    const fresh = this.#cursor.take(offset, data);
    if (!fresh) return this.#acks.written(offset + data.length);
    const end = this.#cursor.received;
    this.#terminal.write(fresh, () => this.#acks.written(end));
  }

  resize({ cols, rows }: { cols: number; rows: number }): void {
    if (cols !== this.#terminal.cols || rows !== this.#terminal.rows) this.#terminal.resize(cols, rows);
  }

  /** Another learner: nothing of the last one stays. */
  reset(): void {
    this.#key = undefined;
    this.#terminal.reset();
    this.#cursor.reset();
    this.#acks.reset();
  }

  dispose(): void {
    this.#acks.reset();
    this.#terminal.dispose();
  }
}
