export interface NoticeAction {
  label: string;
  run: () => void;
  /** A longer description for assistive technology and the tooltip. */
  describe?: string;
}

/**
 * The line above the editor: why a file is read-only, a save that failed, or a file changed in the
 * sandbox with the choices the learner has (Reload / Overwrite). Conflicts and errors are
 * announced as alerts; information politely.
 */
export class EditorNotice {
  constructor(readonly element: HTMLElement) {
    this.clear();
  }

  info(text: string): void {
    this.#show('info', text, []);
  }

  error(text: string): void {
    this.#show('error', text, []);
  }

  conflict(text: string, actions: NoticeAction[]): void {
    this.#show('conflict', text, actions);
  }

  clear(): void {
    this.element.hidden = true;
    this.element.dataset.kind = '';
    this.element.removeAttribute('role');
    this.element.replaceChildren();
  }

  #show(kind: 'info' | 'error' | 'conflict', text: string, actions: NoticeAction[]): void {
    const message = document.createElement('p');
    message.className = 'editor-notice-text';
    message.textContent = text;
    const buttons = actions.map((action) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'button button--small';
      button.textContent = action.label;
      if (action.describe) button.title = action.describe;
      button.addEventListener('click', action.run, { once: true });
      return button;
    });
    this.element.hidden = false;
    this.element.dataset.kind = kind;
    this.element.setAttribute('role', kind === 'info' ? 'status' : 'alert');
    this.element.replaceChildren(message, ...buttons);
  }
}
