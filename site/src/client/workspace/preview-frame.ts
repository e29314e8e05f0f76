import type { PublishedPort } from '../../../../sandbox-engine/src/contracts/workspace.js';
import { portLabel } from './preview-url.ts';

export interface PreviewFrameElements {
  /** Holds the frame's markup: the frame is made when a port is first opened (a frame costs the page's first render). */
  frameTemplate: HTMLTemplateElement;
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
  #frame: HTMLIFrameElement | undefined;

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
    else this.#madeFrame().src = url;
    this.#render();
  }

  reload(): void {
    if (!this.#url) return;
    // Cross-origin: the frame's own location cannot be touched; loading its address again can.
    const frame = this.#madeFrame();
    frame.src = 'about:blank';
    requestAnimationFrame(() => (frame.src = this.#url));
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
    if (this.#frame) this.#frame.src = 'about:blank';
    this.elements.gone.hidden = true;
    this.#render();
  }

  #madeFrame(): HTMLIFrameElement {
    if (!this.#frame) {
      const template = this.elements.frameTemplate;
      this.#frame = template.content.querySelector('iframe')!.cloneNode(true) as HTMLIFrameElement;
      template.replaceWith(this.#frame);
    }
    return this.#frame;
  }

  #render(): void {
    const { url, newTab, empty, bar } = this.elements;
    const frame = this.#frame;
    const open = this.#port !== undefined;
    if (frame) {
      frame.hidden = !open;
      frame.title = this.#port ? `Preview of port ${portLabel(this.#port)}` : 'Preview';
    }
    bar.hidden = !open;
    empty.hidden = open;
    url.textContent = this.#url;
    newTab.href = this.#url || '#';
  }
}
