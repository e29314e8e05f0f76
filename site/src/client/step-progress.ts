import { stepsDoneText } from './course-progress.ts';

/**
 * A lesson page's step list ("N of M steps done", each passed step marked "Passed") and its
 * completion panel, shown once every step is passed. Passed steps are those the learner passed
 * before (the progress API) and those this sandbox passes; the list only grows.
 */
export class StepProgress {
  readonly #passed = new Set<string>();
  readonly #items = new Map<string, HTMLElement>();
  readonly #text: HTMLElement | null;
  readonly #complete: HTMLElement | null;
  readonly #announce: HTMLElement | null;

  constructor(root: ParentNode) {
    for (const item of root.querySelectorAll<HTMLElement>('[data-step-nav-item]')) {
      if (item.dataset.stepNavItem) this.#items.set(item.dataset.stepNavItem, item);
    }
    this.#text = root.querySelector('[data-step-nav-progress]');
    this.#complete = root.querySelector('[data-lesson-complete]');
    this.#announce = root.querySelector('[data-lesson-complete-announce]');
  }

  get passed(): ReadonlySet<string> {
    return this.#passed;
  }

  /**
   * Marks steps passed. `live`: they were just passed on this page, so finishing the lesson now is
   * announced (not when the page opens on a finished lesson).
   */
  markPassed(stepIds: Iterable<string>, options: { live?: boolean } = {}): void {
    const wasComplete = this.complete;
    for (const id of stepIds) {
      const item = this.#items.get(id);
      if (!item || this.#passed.has(id)) continue;
      this.#passed.add(id);
      item.classList.add('is-passed');
      const state = item.querySelector<HTMLElement>('[data-step-nav-state]');
      if (state) state.hidden = false;
    }
    if (this.#text) this.#text.textContent = stepsDoneText(this.#passed.size, this.#items.size);
    if (this.complete && this.#complete) {
      this.#complete.hidden = false;
      if (options.live && !wasComplete && this.#announce) this.#announce.textContent = 'You finished this lesson. What you learned and the next lesson are at the end of the page.';
    }
  }

  get complete(): boolean {
    return this.#items.size > 0 && this.#passed.size === this.#items.size;
  }
}
