const TEXT = 'Your instructor is watching your terminal';

/**
 * The notice a learner sees while an instructor watches their terminal (read-only): a polite live
 * region placed after `anchor`, empty (and not shown) when nobody watches.
 */
export class WatchNotice {
  readonly #element: HTMLElement;

  constructor(anchor: HTMLElement) {
    this.#element = document.createElement('p');
    this.#element.className = 'watch-notice';
    this.#element.setAttribute('role', 'status');
    this.#element.dataset.watchNotice = '';
    anchor.after(this.#element);
  }

  set(watching: boolean): void {
    const text = watching ? TEXT : '';
    if (this.#element.textContent !== text) this.#element.textContent = text;
  }
}
