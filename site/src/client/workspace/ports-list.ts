import type { PortList, PublishedPort } from '../../../../sandbox-engine/src/contracts/workspace.js';
import { portLabel, portsKey, previewUrl } from './preview-url.ts';
import { notPreviewable } from './web-ports.ts';

/**
 * The ports containers publish in the sandbox, as buttons "Open port 32768 (web:80)"; UDP ports and
 * well-known non-web services (PostgreSQL's 5432, …) are listed with a note but cannot be opened
 * in a browser. Redraws only when the list changes.
 */
export class PortsList {
  #key: string | undefined;
  #ports: PublishedPort[] = [];
  #previewPort = 0;
  #active: number | undefined;

  constructor(
    readonly element: HTMLElement,
    readonly open: (port: PublishedPort, url: string) => void,
  ) {
    element.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-host-port]');
      const port = this.#ports.find((candidate) => String(candidate.hostPort) === button?.dataset.hostPort && !notPreviewable(candidate));
      if (port) this.open(port, this.urlOf(port));
    });
    this.#draw();
  }

  get ports(): readonly PublishedPort[] {
    return this.#ports;
  }

  urlOf(port: PublishedPort): string {
    return port.previewUrl ?? previewUrl(window.location, this.#previewPort, port.previewPath);
  }

  update(list: PortList): void {
    this.#previewPort = list.previewPort;
    this.#ports = list.ports;
    this.#draw();
  }

  setActive(hostPort: number | undefined): void {
    this.#active = hostPort;
    this.#draw(true);
  }

  clear(): void {
    this.#ports = [];
    this.#active = undefined;
    this.#draw();
  }

  #draw(force = false): void {
    const key = `${portsKey(this.#ports)}|${this.#active}`;
    if (!force && key === this.#key) return;
    this.#key = key;
    if (this.#ports.length === 0) {
      const empty = document.createElement('p');
      empty.className = 'ports-empty';
      empty.textContent = 'No published ports yet. Run a container with -p (for example docker run -d -p 8080 …) and it appears here.';
      this.element.replaceChildren(empty);
      return;
    }
    const list = document.createElement('ul');
    list.className = 'ports-items';
    list.setAttribute('role', 'list');
    for (const port of this.#ports) {
      const item = document.createElement('li');
      const service = notPreviewable(port);
      if (service) {
        const text = document.createElement('span');
        text.className = 'ports-not-web';
        text.textContent = `Port ${portLabel(port)}: ${service}, not a web page`;
        item.append(text);
      } else {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'button button--small port-button';
        button.dataset.hostPort = String(port.hostPort);
        button.textContent = `Open port ${portLabel(port)}`;
        if (port.hostPort === this.#active) button.setAttribute('aria-current', 'true');
        item.append(button);
      }
      list.append(item);
    }
    this.element.replaceChildren(list);
  }
}
