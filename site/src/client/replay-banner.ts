import type { ReplayProgress } from '../../../sandbox-engine/src/contracts/progress.js';
import type { Result } from '../../../sandbox-engine/src/contracts/session.js';
import { replayStatusText, stepRangeText } from './replay-text.ts';

export interface LessonStep {
  number: number;
  title: string;
}

/**
 * "Bring this sandbox to where you were": the banner over the terminal that offers the replay to a
 * learner in a new sandbox of a lesson they had started, then says how it goes. Every page of the
 * session shows a replay's progress, whichever page started it.
 */
export class ReplayBanner {
  readonly #text: HTMLElement;
  readonly #note: HTMLElement;
  readonly #actions: HTMLElement;
  #running = false;

  constructor(
    private readonly element: HTMLElement,
    private readonly steps: ReadonlyMap<string, LessonStep>,
    private readonly start: () => Promise<Result<{ steps: string[] }>>,
  ) {
    const find = (selector: string) => {
      const found = element.querySelector<HTMLElement>(selector);
      if (!found) throw new Error(`replay banner is missing ${selector}`);
      return found;
    };
    this.#text = find('[data-replay-text]');
    this.#note = find('[data-replay-note]');
    this.#actions = find('[data-replay-actions]');
  }

  /** Offers to replay these steps (ids, in lesson order). */
  offer(stepIds: readonly string[]): void {
    if (this.#running || stepIds.length === 0) return;
    const range = stepRangeText(stepIds.map((id) => this.steps.get(id)?.number ?? 0).filter((number) => number > 0));
    this.#show(
      `This is a new sandbox: what you did in this lesson before is not in it. You passed ${range} before.`,
      'The replay types the solution of each of those steps into your terminal, as you would, and checks it.',
      [
        { label: `Bring this sandbox to where you were (${range})`, primary: true, run: () => void this.#start() },
        { label: 'Not now', run: () => this.hide() },
      ],
    );
  }

  /** A 'replay:progress' event, from this page's replay or another page's. */
  progress(event: ReplayProgress): void {
    const title = this.steps.get(event.step)?.title ?? event.step;
    const over = event.state === 'done' || event.state === 'failed';
    this.#running = !over;
    this.#show(
      replayStatusText(event, title),
      over ? '' : 'The replay is typing into your terminal. You can watch it there; what you type meanwhile goes to the same shell.',
      over ? [{ label: 'Close', run: () => this.hide() }] : [],
    );
  }

  hide(): void {
    this.element.hidden = true;
  }

  async #start(): Promise<void> {
    this.#running = true;
    this.#show('Starting the replay…', '', []);
    const answer = await this.start();
    if ('error' in answer) {
      this.#running = false;
      this.#show(`The replay could not start: ${answer.error.message}`, '', [
        { label: 'Try again', primary: true, run: () => void this.#start() },
        { label: 'Close', run: () => this.hide() },
      ]);
    }
  }

  #show(text: string, note: string, actions: { label: string; primary?: boolean; run: () => void }[]): void {
    this.element.hidden = false;
    this.element.dataset.state = this.#running ? 'running' : 'idle';
    this.#text.textContent = text;
    this.#note.textContent = note;
    this.#note.hidden = !note;
    this.#actions.replaceChildren(
      ...actions.map(({ label, primary, run }) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = primary ? 'button button--primary button--small' : 'button button--small';
        button.textContent = label;
        button.addEventListener('click', run);
        return button;
      }),
    );
  }
}
