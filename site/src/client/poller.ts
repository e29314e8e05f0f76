/**
 * Runs `task` every `intervalMs` while the page is visible and `active()` says so, one run at a
 * time (the next waits for the previous to finish). `poke()` runs it now, e.g. when a pane is
 * shown or the page comes back into view.
 */
export class Poller {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  readonly #onVisibility = () => {
    if (document.visibilityState === 'visible') this.poke();
  };

  constructor(
    readonly task: () => Promise<void>,
    readonly intervalMs: number,
    readonly active: () => boolean = () => true,
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.poke();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    document.removeEventListener('visibilitychange', this.#onVisibility);
  }

  /** Runs the task now (after a run in progress), then keeps the interval from there. */
  poke(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    clearTimeout(this.#timer);
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
      this.#schedule();
    });
    return this.#running;
  }

  async #run(): Promise<void> {
    if (document.visibilityState !== 'visible' || !this.active()) return;
    try {
      await this.task();
    } catch (error) {
      console.warn('[dockyard] poll failed', error);
    }
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (!this.#stopped) this.#timer = setTimeout(() => void this.poke(), this.intervalMs);
  }
}
