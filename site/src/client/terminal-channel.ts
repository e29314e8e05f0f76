import { MAX_INPUT_CHARS } from './limits.ts';
import { splitInput } from './input-chunks.ts';
import { OutputCursor } from './output-cursor.ts';

export interface InputMessage {
  terminalId: string;
  seq: number;
  data: string;
}

/**
 * The page's side of one terminal: the output it already holds (so a replay after reconnect is
 * written once), the input typed before the terminal is attached, and the input numbering the
 * server uses to drop repeats. The socket itself belongs to LessonTransport.
 */
export class TerminalChannel {
  readonly cursor = new OutputCursor();
  readonly #pending: string[] = [];
  #seq = 0;
  /** Attached on the current connection: input goes straight out. */
  attached = false;
  /** An attach is in flight on the current connection. */
  attaching = false;

  constructor(readonly terminalId: string) {}

  /** Queues keystrokes or a paste, split to the engine's message limit. */
  queue(data: string): void {
    if (data) this.#pending.push(...splitInput(data, MAX_INPUT_CHARS));
  }

  /** The queued input as numbered messages, once attached; nothing before. */
  drain(): InputMessage[] {
    if (!this.attached) return [];
    return this.#pending.splice(0).map((data) => ({ terminalId: this.terminalId, seq: this.#seq++, data }));
  }

  /** The connection dropped: attach again on the next one. */
  detach(): void {
    this.attached = false;
    this.attaching = false;
  }

  /** A new sandbox: its terminal starts from nothing, and input typed for the old one is dropped. */
  reset(): void {
    this.detach();
    this.cursor.reset();
    this.#pending.length = 0;
  }

  /** Input typed for a terminal that could not be attached is dropped. */
  dropPending(): void {
    this.#pending.length = 0;
  }
}
