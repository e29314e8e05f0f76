import type { LearnerProfileResponse } from '../../../sandbox-engine/src/contracts/progress.js';
import { checkDisplayName } from './join-code.ts';
import { saveDisplayName } from './progress-api.ts';

/**
 * The home page's optional "Your name" form (PUT /api/progress/name) and the classes the learner
 * joined. The status line says what happened: saved, or why not.
 */
export class DisplayNameForm {
  readonly #input: HTMLInputElement;
  readonly #status: HTMLElement;
  readonly #classes: HTMLElement | null;

  constructor(form: HTMLFormElement) {
    const input = form.querySelector<HTMLInputElement>('[data-name-input]');
    const status = form.querySelector<HTMLElement>('[data-name-status]');
    if (!input || !status) throw new Error('name form is missing its input or status');
    this.#input = input;
    this.#status = status;
    this.#classes = form.parentElement?.querySelector<HTMLElement>('[data-classes]') ?? null;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#save();
    });
  }

  /** The name and classes the server knows. */
  show(profile: LearnerProfileResponse): void {
    if (profile.displayName && !this.#input.value) this.#input.value = profile.displayName;
    if (!this.#classes) return;
    this.#classes.hidden = profile.classes.length === 0;
    this.#classes.textContent =
      profile.classes.length === 0 ? '' : `Your ${profile.classes.length === 1 ? 'class' : 'classes'}: ${profile.classes.map((c) => `${c.name} (${c.code})`).join(', ')}.`;
  }

  async #save(): Promise<void> {
    const checked = checkDisplayName(this.#input.value);
    if ('error' in checked) return this.#say(checked.error, 'invalid');
    this.#say('Saving…', 'ok');
    const answer = await saveDisplayName(checked.name);
    if ('error' in answer) return this.#say(`Your name was not saved: ${answer.error.message}`, 'failed');
    this.#input.value = answer.data.displayName ?? checked.name;
    this.#say('Saved.', 'ok');
    this.show(answer.data);
  }

  #say(text: string, kind: 'ok' | 'invalid' | 'failed'): void {
    this.#status.textContent = text;
    this.#status.classList.toggle('form-status--error', kind !== 'ok');
    if (kind === 'invalid') this.#input.setAttribute('aria-invalid', 'true');
    else this.#input.removeAttribute('aria-invalid');
  }
}
