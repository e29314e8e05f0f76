import type { ApiError, Result, SessionInfo } from '../../../sandbox-engine/src/contracts/session.js';
import type { SessionExpiring } from '../../../sandbox-engine/src/contracts/socket-events.js';
import { formatDuration, msUntil } from './format-duration.ts';

export type SessionState = 'starting' | 'waiting' | 'ready' | 'reconnecting' | 'stopped' | 'error';

const STATE_TEXT: Record<SessionState, string> = {
  starting: 'Starting your sandbox…',
  waiting: 'Waiting for a free sandbox…',
  ready: 'Sandbox ready',
  reconnecting: 'Reconnecting…',
  stopped: 'Sandbox stopped',
  error: 'Sandbox not running',
};

const REASON_TEXT: Record<SessionExpiring['reason'], string> = {
  idle: 'nothing has happened in it for a while',
  lifetime: 'it has reached its maximum lifetime',
};

/**
 * The status line above the terminal ("Sandbox ready · ends in 1 h 52 min") and the alert shown
 * when the server warns that the sandbox will stop, with a "Keep my sandbox" button.
 */
export class SessionBanner {
  #info: SessionInfo | undefined;
  #warning: SessionExpiring | undefined;
  #state: SessionState = 'starting';
  readonly #timer: number;

  constructor(
    readonly elements: { state: HTMLElement; dot: HTMLElement; countdown: HTMLElement; banner: HTMLElement },
    readonly keepalive: () => Promise<Result<SessionInfo>>,
  ) {
    this.#timer = window.setInterval(() => this.#tick(), 15_000);
  }

  setState(state: SessionState): void {
    this.#state = state;
    this.elements.dot.dataset.state = state;
    if (this.elements.state.textContent !== STATE_TEXT[state]) this.elements.state.textContent = STATE_TEXT[state];
    if (state !== 'ready' && state !== 'reconnecting') this.clearWarning();
    this.#tick();
  }

  setInfo(info: SessionInfo): void {
    this.#info = info;
    this.#tick();
  }

  warn(event: SessionExpiring): void {
    this.#warning = event;
    this.#renderBanner();
  }

  clearWarning(): void {
    this.#warning = undefined;
    this.elements.banner.replaceChildren();
  }

  dispose(): void {
    clearInterval(this.#timer);
  }

  #tick(): void {
    const left = this.#info && (this.#state === 'ready' || this.#state === 'reconnecting') ? msUntil(this.#info.expiresAt) : undefined;
    const idle = this.#info ? formatDuration(this.#info.idleTimeoutMs) : '';
    this.elements.countdown.textContent = left === undefined ? '' : `· ends in ${formatDuration(Math.max(0, left))}`;
    this.elements.countdown.title = left === undefined ? '' : `It stops sooner after ${idle} without activity.`;
    if (this.#warning) this.#renderBanner(false);
  }

  #renderBanner(rebuild = true): void {
    const warning = this.#warning;
    if (!warning) return;
    const left = msUntil(warning.at);
    const text = `Your sandbox will stop in ${formatDuration(Math.max(0, left ?? 0))} because ${REASON_TEXT[warning.reason]}.`;
    const existing = this.elements.banner.querySelector('.session-banner-text');
    if (!rebuild && existing) {
      if (existing.textContent !== text) existing.textContent = text;
      return;
    }
    const message = document.createElement('p');
    message.className = 'session-banner-text';
    message.textContent = text;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button button--primary';
    button.textContent = 'Keep my sandbox';
    button.addEventListener('click', () => void this.#keep(button));
    this.elements.banner.replaceChildren(message, button);
  }

  async #keep(button: HTMLButtonElement): Promise<void> {
    if (button.getAttribute('aria-disabled') === 'true') return;
    button.setAttribute('aria-disabled', 'true');
    const result = await this.keepalive();
    if ('data' in result) {
      this.setInfo(result.data);
      this.clearWarning();
      return;
    }
    button.removeAttribute('aria-disabled');
    this.#showKeepError(result.error);
  }

  #showKeepError(error: ApiError): void {
    let note = this.elements.banner.querySelector('.session-banner-error');
    if (!note) {
      note = document.createElement('p');
      note.className = 'session-banner-error';
      this.elements.banner.append(note);
    }
    note.textContent = `Could not keep the sandbox: ${error.message}`;
  }
}
