export interface OutputAckPace {
  /** Acknowledge as soon as this much more output is written… */
  everyChars: number;
  /** …but not more often than this (6 busy terminals stay well under the engine's event limit)… */
  minIntervalMs: number;
  /** …and this long after the last write when less than `everyChars` is waiting. */
  quietMs: number;
}

/**
 * 16 Ki characters per ack against the engine's 256 Ki window (output-flow.ts) keeps the engine
 * sending while the page writes; at most 20 acks a second per terminal.
 */
export const OUTPUT_ACK_PACE: OutputAckPace = { everyChars: 16 * 1024, minIntervalMs: 50, quietMs: 100 };

/**
 * Tells the engine how far a terminal's output has been written (xterm's write callback), throttled:
 * the engine pauses the shell while too much output is unacknowledged. Offsets are absolute, so an
 * ack after a reconnect still means the same thing. No DOM or socket here: `send` does the sending.
 */
export class OutputAcks {
  #written = 0;
  #acked = 0;
  #lastAckAt = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly send: (offset: number) => void,
    readonly pace: OutputAckPace = OUTPUT_ACK_PACE,
    readonly now: () => number = () => Date.now(),
  ) {}

  /** The output up to offset `end` is written. */
  written(end: number): void {
    if (end <= this.#written) return;
    this.#written = end;
    const sinceAck = this.now() - this.#lastAckAt;
    const enough = end - this.#acked >= this.pace.everyChars;
    if (enough && sinceAck >= this.pace.minIntervalMs) return this.#flush();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#flush(), enough ? this.pace.minIntervalMs - sinceAck : this.pace.quietMs);
  }

  /** A new terminal (a new sandbox) starts again at 0. */
  reset(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#written = 0;
    this.#acked = 0;
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#written <= this.#acked) return;
    this.#acked = this.#written;
    this.#lastAckAt = this.now();
    this.send(this.#acked);
  }
}
