import type { TerminalInfo } from '../../../sandbox-engine/src/contracts/workspace.js';
import { LessonTerminal, type TerminalSize } from './terminal.ts';
import { TerminalTabs, type TerminalTabActions } from './terminal-tabs.ts';
import { debounce } from './debounce.ts';

interface TerminalView {
  terminal: LessonTerminal;
  host: HTMLElement;
}

export interface TerminalDeckWiring extends Omit<TerminalTabActions, 'select'> {
  input(terminalId: string, data: string): void;
  resize(terminalId: string, size: TerminalSize): void;
}

/**
 * The session's terminals on the page: one xterm per terminal, each in its own host element; only
 * the shown one is visible (the others are `hidden`, and keep receiving output), with the tab
 * strip above them.
 */
export class TerminalDeck {
  readonly #views = new Map<string, TerminalView>();
  readonly #tabs: TerminalTabs;
  #terminals: readonly TerminalInfo[] = [{ terminalId: 'main', name: 'Terminal 1' }];
  #active = 'main';

  constructor(
    readonly hosts: HTMLElement,
    tabs: HTMLElement,
    readonly wiring: TerminalDeckWiring,
  ) {
    this.#tabs = new TerminalTabs(tabs, {
      select: (id) => {
        this.show(id);
        this.focus();
      },
      open: () => wiring.open(),
      rename: (id, name) => wiring.rename(id, name),
      close: (id) => wiring.close(id),
    });
    this.#view('main');
    this.#render();
  }

  get active(): string {
    return this.#active;
  }

  get terminals(): readonly TerminalInfo[] {
    return this.#terminals;
  }

  /** Makes the page's terminals those of the list: new ones get an xterm, closed ones lose theirs. */
  sync(terminals: readonly TerminalInfo[]): void {
    this.#terminals = terminals;
    const listed = new Set(terminals.map((terminal) => terminal.terminalId));
    for (const [id, view] of this.#views) {
      if (id === 'main' || listed.has(id)) continue;
      view.terminal.dispose();
      view.host.remove();
      this.#views.delete(id);
    }
    for (const id of listed) this.#view(id);
    if (!this.#views.has(this.#active)) this.show('main');
    else this.#render();
  }

  show(terminalId: string): void {
    if (!this.#views.has(terminalId)) return;
    this.#active = terminalId;
    for (const [id, view] of this.#views) view.host.hidden = id !== terminalId;
    this.#views.get(terminalId)?.terminal.fit(true);
    this.#render();
  }

  focus(): void {
    this.#views.get(this.#active)?.terminal.focus();
  }

  /** `written` runs once the terminal has processed the data (at once when it has no view). */
  write(terminalId: string, data: string, written?: () => void): void {
    const view = this.#views.get(terminalId);
    if (view) view.terminal.write(data, written);
    else written?.();
  }

  /** A hidden terminal has no size of its own: it takes the shown one's, which it gets when shown. */
  size(terminalId: string): TerminalSize {
    const view = this.#views.get(terminalId);
    if (view && !view.host.hidden) return view.terminal.size;
    return this.#views.get(this.#active)?.terminal.size ?? { cols: 80, rows: 24 };
  }

  /** Refits the shown terminal; `toBottom` also scrolls it to its prompt. */
  fit(toBottom = false): void {
    this.#views.get(this.#active)?.terminal.fit(toBottom);
  }

  /** A new sandbox: main is cleared, the others are gone. */
  reset(): void {
    this.#views.get('main')?.terminal.reset();
    this.sync(this.#terminals.filter((terminal) => terminal.terminalId === 'main'));
  }

  #view(terminalId: string): TerminalView {
    const existing = this.#views.get(terminalId);
    if (existing) return existing;
    const host = document.createElement('div');
    host.className = 'terminal-host';
    host.dataset.terminalId = terminalId;
    // A group, so that its label (the terminal's name, set in #render) reaches screen readers.
    host.setAttribute('role', 'group');
    this.hosts.append(host);
    // xterm measures its character cell when opened: open it visible, then hide it if need be.
    const hint = this.hosts.closest('[role="tabpanel"]')?.querySelector('[data-terminal-hint]')?.id;
    const terminal = new LessonTerminal(host, hint);
    host.hidden = terminalId !== this.#active;
    terminal.onInput((data) => this.wiring.input(terminalId, data));
    terminal.onResize(debounce((size) => this.wiring.resize(terminalId, size), 150));
    const view = { terminal, host };
    this.#views.set(terminalId, view);
    return view;
  }

  #render(): void {
    this.#tabs.render(this.#terminals, this.#active);
    for (const [id, view] of this.#views) {
      const name = this.#terminals.find((terminal) => terminal.terminalId === id)?.name ?? id;
      view.host.setAttribute('aria-label', name);
    }
  }
}
