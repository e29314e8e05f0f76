type OverlayState = 'starting' | 'waiting' | 'choice' | 'error' | 'ended' | 'hidden';

/** A button that runs something, or a link that goes somewhere. */
export type OverlayAction = { label: string; run: () => void } | { label: string; href: string };

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
    if (this.element.dataset.state === 'starting' && this.#message.textContent === message) return;
    this.#show('starting', message);
  }

  /** In the waiting line, or waiting for a start slot: the message says the place; nothing to click, it starts by itself. */
  waiting(message: string): void {
    if (this.element.dataset.state === 'waiting') {
      if (this.#message.textContent !== message) this.#message.textContent = message;
      return;
    }
    this.#show('waiting', message);
  }

  /** A question with its answers (e.g. move the sandbox here, or go back to its lesson). */
  choice(message: string, actions: OverlayAction[]): void {
    this.#show('choice', message, ...actions);
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

  #show(state: OverlayState, message: string, ...actions: OverlayAction[]): void {
    const hadFocus = this.element.contains(document.activeElement);
    this.element.hidden = false;
    this.element.dataset.state = state;
    this.#message.textContent = message;
    this.#message.setAttribute('role', state === 'starting' || state === 'waiting' ? 'status' : 'alert');
    this.#actions.replaceChildren();
    actions.forEach((action, index) => {
      const control = 'href' in action ? document.createElement('a') : document.createElement('button');
      control.className = index === 0 ? 'button button--primary' : 'button';
      control.textContent = action.label;
      if (control instanceof HTMLAnchorElement && 'href' in action) control.href = action.href;
      if (control instanceof HTMLButtonElement && 'run' in action) {
        control.type = 'button';
        control.addEventListener('click', action.run, { once: true });
      }
      this.#actions.append(control);
      if (index === 0 && hadFocus) control.focus();
    });
  }
}
