import type { PublishedPort } from '../../../../sandbox-engine/src/contracts/workspace.js';
import { portLabel } from './preview-url.ts';

export interface PreviewFrameElements {
  frame: HTMLIFrameElement;
  url: HTMLElement;
  reload: HTMLButtonElement;
  newTab: HTMLAnchorElement;
  empty: HTMLElement;
  gone: HTMLElement;
  bar: HTMLElement;
}

/**
 * The preview of one published port: an iframe on the preview origin (another origin than the
 * lesson, so the learner's app cannot reach this page), its address, Reload, and "Open in new
 * tab". When the port disappears (the container stopped) the frame stays, with a note.
 */
export class PreviewFrame {
  #port: PublishedPort | undefined;
  #url = '';

  constructor(readonly elements: PreviewFrameElements) {
    elements.reload.addEventListener('click', () => this.reload());
    this.#render();
  }

  get hostPort(): number | undefined {
    return this.#port?.hostPort;
  }

  open(port: PublishedPort, url: string): void {
    const same = this.#url === url;
    this.#port = port;
    this.#url = url;
    this.elements.gone.hidden = true;
    if (same) this.reload();
    else this.elements.frame.src = url;
    this.#render();
  }

  reload(): void {
    if (!this.#url) return;
    // Cross-origin: the frame's own location cannot be touched; loading its address again can.
    this.elements.frame.src = 'about:blank';
    requestAnimationFrame(() => (this.elements.frame.src = this.#url));
  }

  /** Notes when the shown port is no longer published, and clears the note when it is back. */
  portsChanged(ports: readonly PublishedPort[]): void {
    if (!this.#port) return;
    const still = ports.some((port) => port.hostPort === this.#port?.hostPort && port.protocol === this.#port.protocol);
    this.elements.gone.hidden = still;
    this.elements.gone.textContent = still ? '' : `Port ${this.#port.hostPort} is no longer published: its container stopped or was removed.`;
  }

  clear(): void {
    this.#port = undefined;
    this.#url = '';
    this.elements.frame.src = 'about:blank';
    this.elements.gone.hidden = true;
    this.#render();
  }

  #render(): void {
    const { frame, url, newTab, empty, bar } = this.elements;
    const open = this.#port !== undefined;
    frame.hidden = !open;
    bar.hidden = !open;
    empty.hidden = open;
    url.textContent = this.#url;
    newTab.href = this.#url || '#';
    frame.title = this.#port ? `Preview of port ${portLabel(this.#port)}` : 'Preview';
  }
}
