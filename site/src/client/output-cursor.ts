/**
 * Tracks how much terminal output the page already holds, so output replayed by the server after
 * a reconnect is written exactly once. Offsets count UTF-16 code units (JavaScript string length)
 * since the terminal started. They go on across an engine restart: the new engine continues after
 * the saved output, or after `received` when the page holds more than was saved (lost in a
 * crash), so output it sends is never taken for output already held (engine: resumeOutput).
 */
export class OutputCursor {
  #received = 0;

  /** The offset to send as `since` when attaching. */
  get received(): number {
    return this.#received;
  }

  /** Returns the part of `data` (starting at `offset`) not seen yet, or '' when all of it was. */
  take(offset: number, data: string): string {
    const end = offset + data.length;
    if (end <= this.#received) return '';
    const fresh = offset < this.#received ? data.slice(this.#received - offset) : data;
    this.#received = end;
    return fresh;
  }

  /** A new terminal (a new sandbox) starts again at 0. */
  reset(): void {
    this.#received = 0;
  }
}
