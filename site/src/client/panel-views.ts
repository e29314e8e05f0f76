export type PanelView = 'terminal' | 'editor' | 'preview';

const VIEWS: PanelView[] = ['terminal', 'editor', 'preview'];

/**
 * The tabs of the sandbox column: Terminal (the terminals alone, full height), Editor and Preview
 * (each above the terminals on wide screens, alone on narrow ones). The column's data-view says
 * which is shown; the stylesheet lays it out. Arrow keys, Home and End move between tabs.
 */
export class PanelViews {
  readonly #tabs = new Map<PanelView, HTMLButtonElement>();
  #current: PanelView = 'terminal';
  readonly #listeners: ((view: PanelView) => void)[] = [];

  constructor(readonly panel: HTMLElement) {
    for (const view of VIEWS) {
      const tab = panel.querySelector<HTMLButtonElement>(`[role="tab"][data-view="${view}"]`);
      if (!tab) throw new Error(`sandbox panel is missing the ${view} tab`);
      this.#tabs.set(view, tab);
      tab.addEventListener('click', () => this.show(view));
      tab.addEventListener('keydown', (event) => this.#key(event, view));
    }
    this.show('terminal');
  }

  get current(): PanelView {
    return this.#current;
  }

  onChange(listener: (view: PanelView) => void): void {
    this.#listeners.push(listener);
  }

  show(view: PanelView, { focusTab = false } = {}): void {
    const changed = view !== this.#current;
    this.#current = view;
    this.panel.dataset.view = view;
    for (const [name, tab] of this.#tabs) {
      const selected = name === view;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      const pane = document.getElementById(tab.getAttribute('aria-controls') ?? '');
      // The terminals stay on screen beside the editor and preview: only those two are hidden.
      if (pane && name !== 'terminal') pane.hidden = !selected;
    }
    if (focusTab) this.#tabs.get(view)?.focus();
    if (changed) for (const listener of this.#listeners) listener(view);
  }

  /** A short count after a tab's name, e.g. the number of published ports; '' removes it. */
  setBadge(view: PanelView, text: string, label: string): void {
    const badge = this.#tabs.get(view)?.querySelector<HTMLElement>('[data-badge]');
    if (!badge) return;
    badge.textContent = text;
    badge.hidden = text === '';
    badge.setAttribute('aria-label', label);
  }

  #key(event: KeyboardEvent, view: PanelView): void {
    const index = VIEWS.indexOf(view);
    const next =
      event.key === 'ArrowRight' ? VIEWS[(index + 1) % VIEWS.length]
      : event.key === 'ArrowLeft' ? VIEWS[(index + VIEWS.length - 1) % VIEWS.length]
      : event.key === 'Home' ? VIEWS[0]
      : event.key === 'End' ? VIEWS[VIEWS.length - 1]
      : undefined;
    if (!next) return;
    event.preventDefault();
    this.show(next, { focusTab: true });
  }
}
