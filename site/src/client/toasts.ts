const TOAST_MS = 6000;

/** Short, non-blocking notices (for example error:message from the server). */
export class Toasts {
  constructor(readonly region: HTMLElement) {}

  show(message: string): void {
    const toast = document.createElement('p');
    toast.className = 'toast';
    toast.textContent = message;
    this.region.append(toast);
    setTimeout(() => toast.remove(), TOAST_MS);
    while (this.region.childElementCount > 3) this.region.firstElementChild?.remove();
  }
}
