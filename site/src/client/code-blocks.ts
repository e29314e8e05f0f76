import { copyText } from './clipboard.ts';

/** The text of a code block as its author wrote it, without the final line break. */
export function codeText(block: Element): string {
  const code = block.querySelector('pre code') ?? block.querySelector('pre');
  return (code?.textContent ?? '').replace(/\n+$/, '');
}

/**
 * Wires the "Run" and "Copy" buttons that the shiki transformer puts on ```bash run blocks:
 * Run types the whole block into its terminal followed by Enter (bash runs the lines in order):
 * the one its `terminal=` names (data-terminal), otherwise the main terminal.
 */
export function wireCodeBlocks(root: HTMLElement, run: (input: string, terminal: string | undefined) => void): void {
  root.addEventListener('click', (event) => {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button[data-action]');
    const block = button?.closest('[data-code-block]');
    if (!button || !block) return;
    const text = codeText(block);
    if (button.dataset.action === 'run') {
      if (!text) return;
      run(`${text}\r`, (block as HTMLElement).dataset.terminal || undefined);
      flash(button, 'is-sent');
    } else if (button.dataset.action === 'copy') {
      void copyText(text).then((copied) => {
        const label = button.querySelector('.code-button-label');
        if (!label) return;
        label.textContent = copied ? 'Copied' : 'Copy failed';
        setTimeout(() => (label.textContent = 'Copy'), 1500);
      });
    }
  });
}

function flash(element: HTMLElement, className: string): void {
  element.classList.remove(className);
  void element.offsetWidth;
  element.classList.add(className);
  setTimeout(() => element.classList.remove(className), 800);
}
