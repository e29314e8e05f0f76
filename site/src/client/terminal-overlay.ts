type OverlayState = 'starting' | 'error' | 'ended' | 'hidden';

interface OverlayAction {
  label: string;
  run: () => void;
}

/**
 * What covers the terminal while there is nothing to type into: "Starting your sandbox…", an
 * error with Retry, or the end of a session with "Start a new sandbox". The terminal area is
 * never left blank.
 */
export class TerminalOverlay {
  readonly #message: HTMLElement;
  readonly #actions: HTMLElement;

  constructor(readonly element: HTMLElement) {
    this.#message = element.querySelector('[data-overlay-message]') as HTMLElement;
    this.#actions = element.querySelector('[data-overlay-actions]') as HTMLElement;
  }

  get visible(): boolean {
    return this.element.dataset.state !== 'hidden';
  }

  starting(message = 'Starting your sandbox…'): void {
    this.#show('starting', message);
  }

  error(message: string, retry: () => void): void {
    this.#show('error', message, { label: 'Retry', run: retry });
  }

  ended(message: string, restart: () => void): void {
    this.#show('ended', message, { label: 'Start a new sandbox', run: restart });
  }

  hide(): void {
    this.element.dataset.state = 'hidden';
    this.element.hidden = true;
    this.#actions.replaceChildren();
  }

  #show(state: OverlayState, message: string, action?: OverlayAction): void {
    const hadFocus = this.element.contains(document.activeElement);
    this.element.hidden = false;
    this.element.dataset.state = state;
    this.#message.textContent = message;
    this.#message.setAttribute('role', state === 'starting' ? 'status' : 'alert');
    this.#actions.replaceChildren();
    if (!action) return;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button button--primary';
    button.textContent = action.label;
    button.addEventListener('click', action.run, { once: true });
    this.#actions.append(button);
    if (hadFocus) button.focus();
  }
}
