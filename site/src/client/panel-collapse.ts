/**
 * On narrow screens the sandbox column is docked at the bottom of the page over the lesson text:
 * its toggle (aria-expanded) folds it down to its bar, so the text and check results show, and
 * unfolds it. The column's data-collapsed says which; the stylesheet applies it only on narrow
 * screens, where the toggle is shown. `expanded` runs when the column unfolds (refit the terminal).
 */
export class PanelCollapse {
  #collapsed = false;

  constructor(
    readonly panel: HTMLElement,
    readonly toggle: HTMLButtonElement,
    readonly expanded: () => void,
  ) {
    toggle.addEventListener('click', () => (this.#collapsed ? this.expand() : this.collapse()));
    this.#render();
  }

  get collapsed(): boolean {
    return this.#collapsed;
  }

  expand(): void {
    if (!this.#collapsed) return;
    this.#collapsed = false;
    this.#render();
    this.expanded();
  }

  collapse(): void {
    this.#collapsed = true;
    this.#render();
  }

  #render(): void {
    this.panel.dataset.collapsed = String(this.#collapsed);
    this.toggle.setAttribute('aria-expanded', String(!this.#collapsed));
  }
}
