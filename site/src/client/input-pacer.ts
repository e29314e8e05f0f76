/**
 * Paces terminal input under the engine's per-socket input limit: a bucket of `burst` characters
 * refilled at `perSecond`, so a paste up to the burst goes at once and a bigger one follows at the
 * rate instead of being dropped by the engine.
 */
export class InputPacer {
  #tokens: number;
  #at: number;

  constructor(
    readonly burst: number,
    readonly perSecond: number,
    readonly now: () => number = () => Date.now(),
  ) {
    this.#tokens = burst;
    this.#at = now();
  }

  /** 0 when `chars` may go now (and counts them); otherwise how many ms to wait before asking again. */
  delayFor(chars: number): number {
    const at = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((at - this.#at) / 1000) * this.perSecond);
    this.#at = at;
    if (this.#tokens >= chars) {
      this.#tokens -= chars;
      return 0;
    }
    return Math.max(1, Math.ceil(((chars - this.#tokens) / this.perSecond) * 1000));
  }
}
