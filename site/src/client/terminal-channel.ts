import { MAX_INPUT_CHARS } from './limits.ts';
import { splitInput } from './input-chunks.ts';
import { OutputCursor } from './output-cursor.ts';
import { OutputAcks } from './output-acks.ts';

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
  /** Tells the engine how far the page wrote this terminal's output (flow control). */
  readonly acks: OutputAcks;
  readonly #pending: string[] = [];
  #seq = 0;
  /** Attached on the current connection: input goes straight out. */
  attached = false;
  /** An attach is in flight on the current connection. */
  attaching = false;

  constructor(
    readonly terminalId: string,
    sendAck: (offset: number) => void = () => undefined,
  ) {
    this.acks = new OutputAcks(sendAck);
  }

  /** Queues keystrokes or a paste, split to the engine's message limit. */
  queue(data: string): void {
    if (data) this.#pending.push(...splitInput(data, MAX_INPUT_CHARS));
  }

  /** The queued input as numbered messages, once attached (nothing before), in order while `fits` lets each go. */
  drain(fits: (data: string) => boolean = () => true): InputMessage[] {
    if (!this.attached) return [];
    let count = 0;
    while (count < this.#pending.length && fits(this.#pending[count]!)) count += 1;
    return this.#pending.splice(0, count).map((data) => ({ terminalId: this.terminalId, seq: this.#seq++, data }));
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
    this.acks.reset();
    this.#pending.length = 0;
  }

  /** Input typed for a terminal that could not be attached is dropped. */
  dropPending(): void {
    this.#pending.length = 0;
  }
}
