import { normaliseWorkspacePath } from './file-sync.ts';

/**
 * "New file": the button shows a small form for a path under /root (prefilled with the open file's
 * folder); Create opens that path in the editor, where the first save creates it. Escape or Cancel
 * closes the form and gives focus back to the button.
 */
export function wireNewFileForm(button: HTMLButtonElement, form: HTMLFormElement, currentPath: () => string | undefined, open: (path: string) => void): void {
  const input = form.querySelector('input') as HTMLInputElement;
  const error = form.querySelector('[data-new-file-error]') as HTMLElement;
  const close = () => {
    form.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    error.textContent = '';
    button.focus();
  };
  button.addEventListener('click', () => {
    if (!form.hidden) return close();
    form.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    const current = currentPath();
    input.value = current?.includes('/') ? current.slice(0, current.lastIndexOf('/') + 1) : '';
    input.focus();
  });
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close();
  });
  form.querySelector('[data-action="cancel-new-file"]')?.addEventListener('click', close);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const path = normaliseWorkspacePath(input.value);
    if (!path || input.value.trim().endsWith('/')) {
      error.textContent = 'Type a file name inside /root, for example web/Dockerfile.';
      return;
    }
    form.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    error.textContent = '';
    open(path);
  });
}
