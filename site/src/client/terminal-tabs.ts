import type { TerminalInfo } from '../../../sandbox-engine/src/contracts/workspace.js';

export interface TerminalTabActions {
  select(terminalId: string): void;
  open(): void;
  rename(terminalId: string, name: string): void;
  close(terminalId: string): void;
}

/** "Terminal 2" stays as it is; "logs" reads "terminal logs" in button labels. */
export function terminalLabel(name: string): string {
  return /^terminal\b/i.test(name) ? name : `terminal ${name}`;
}

/**
 * The strip above the terminal: a button per terminal (pressed = shown), a rename button on the
 * shown one (double-clicking its name does the same), a close button on every terminal but main,
 * and "New terminal". Renaming swaps the name for a text field: Enter keeps, Escape cancels.
 */
export class TerminalTabs {
  readonly #list: HTMLElement;
  #terminals: readonly TerminalInfo[] = [];
  #active = 'main';
  #renaming: string | undefined;

  constructor(
    readonly root: HTMLElement,
    readonly actions: TerminalTabActions,
  ) {
    this.#list = root.querySelector('[data-terminal-tab-list]') as HTMLElement;
    root.querySelector('[data-action="new-terminal"]')?.addEventListener('click', () => actions.open());
    this.#list.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-tab-action]');
      const id = button?.closest<HTMLElement>('[data-terminal-id]')?.dataset.terminalId;
      if (!button || !id) return;
      if (button.dataset.tabAction === 'select') actions.select(id);
      else if (button.dataset.tabAction === 'rename') this.startRename(id);
      else if (button.dataset.tabAction === 'close') actions.close(id);
    });
    this.#list.addEventListener('dblclick', (event) => {
      const id = (event.target as Element).closest<HTMLElement>('[data-terminal-id]')?.dataset.terminalId;
      if (id && (event.target as Element).closest('[data-tab-action="select"]')) this.startRename(id);
    });
  }

  /**
   * Updates the strip in place (the same button per terminal, so focus and a double-click survive
   * a change of the shown terminal); only a terminal being renamed swaps its button for a field.
   */
  render(terminals: readonly TerminalInfo[], active: string): void {
    this.#terminals = terminals;
    this.#active = active;
    if (this.#renaming && !terminals.some((terminal) => terminal.terminalId === this.#renaming)) this.#renaming = undefined;
    const items = terminals.map((terminal) => this.#item(terminal));
    const current = [...this.#list.children];
    if (items.length !== current.length || items.some((item, index) => current[index] !== item)) {
      for (const stale of current) if (!items.includes(stale as HTMLElement)) stale.remove();
      items.forEach((item, index) => {
        if (this.#list.children[index] !== item) this.#list.insertBefore(item, this.#list.children[index] ?? null);
      });
    }
  }

  startRename(terminalId: string): void {
    this.#renaming = terminalId;
    this.render(this.#terminals, this.#active);
    const input = this.#list.querySelector<HTMLInputElement>(`[data-terminal-id="${terminalId}"] input`);
    input?.focus();
    input?.select();
  }

  #item(terminal: TerminalInfo): HTMLElement {
    const { terminalId, name } = terminal;
    let item = [...this.#list.children].find((child) => (child as HTMLElement).dataset.terminalId === terminalId) as HTMLElement | undefined;
    if (!item) {
      item = document.createElement('div');
      item.className = 'terminal-tab';
      item.dataset.terminalId = terminalId;
    }
    const active = terminalId === this.#active;
    item.classList.toggle('is-active', active);
    if (this.#renaming === terminalId) {
      if (!item.querySelector('input')) item.replaceChildren(this.#renameField(terminal));
      return item;
    }
    const select = item.querySelector<HTMLButtonElement>('[data-tab-action="select"]') ?? button('select', name, 'terminal-tab-name');
    if (select.textContent !== name) select.textContent = name;
    select.setAttribute('aria-pressed', String(active));
    select.title = `${name} (double-click to rename)`;
    const wanted = [select];
    if (active) wanted.push(this.#action(item, 'rename', '✎', 'terminal-tab-action', `Rename ${terminalLabel(name)}`));
    if (terminalId !== 'main') wanted.push(this.#action(item, 'close', '×', 'terminal-tab-action terminal-tab-close', `Close ${terminalLabel(name)}`));
    const children = [...item.children];
    if (children.length !== wanted.length || wanted.some((element, index) => children[index] !== element)) {
      for (const child of children) if (!wanted.includes(child as HTMLButtonElement)) child.remove();
      wanted.forEach((element, index) => {
        if (item.children[index] !== element) item.insertBefore(element, item.children[index] ?? null);
      });
    }
    return item;
  }

  /** The item's rename or close button, created when missing, its label kept up to date. */
  #action(item: HTMLElement, action: string, text: string, className: string, label: string): HTMLButtonElement {
    const existing = item.querySelector<HTMLButtonElement>(`[data-tab-action="${action}"]`);
    if (!existing) return button(action, text, className, label);
    existing.setAttribute('aria-label', label);
    existing.title = label;
    return existing;
  }

  #renameField({ terminalId, name }: TerminalInfo): HTMLElement {
    const input = document.createElement('input');
    input.type = 'text';
    input.className = 'terminal-tab-input';
    input.value = name;
    input.maxLength = 40;
    input.setAttribute('aria-label', `New name for ${terminalLabel(name)}`);
    let done = false;
    const finish = (keep: boolean) => {
      if (done) return;
      done = true;
      if (this.#renaming === terminalId) this.#renaming = undefined;
      const next = input.value.trim();
      const hadFocus = document.activeElement === input;
      input.closest('.terminal-tab')?.replaceChildren();
      this.render(this.#terminals, this.#active);
      if (hadFocus) this.#list.querySelector<HTMLElement>(`[data-terminal-id="${terminalId}"] [data-tab-action="select"]`)?.focus();
      if (keep && next && next !== name) this.actions.rename(terminalId, next);
    };
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        finish(true);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        finish(false);
      }
    });
    input.addEventListener('blur', () => finish(true));
    return input;
  }
}

function button(action: string, text: string, className: string, label?: string): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = className;
  element.dataset.tabAction = action;
  element.textContent = text;
  if (label) {
    element.setAttribute('aria-label', label);
    element.title = label;
  }
  return element;
}
