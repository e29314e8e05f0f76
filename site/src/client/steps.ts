import type { Result } from '../../../sandbox-engine/src/contracts/session.js';
import type { CheckOutcome, StepResult } from '../../../sandbox-engine/src/contracts/checker.js';

type StepState = 'idle' | 'pending' | 'passed' | 'failed' | 'error';

interface StepView {
  section: HTMLElement;
  button: HTMLButtonElement;
  status: HTMLElement;
  hint: string | undefined;
  /** The result last shown: the ack and the step:result push carry the same one. */
  shown?: string;
}

/**
 * The Check buttons and status lines of a lesson's steps. A step's status is "Not checked yet",
 * "Checking…", "Passed", or the failed checks' messages (the hint is offered beside it, by
 * step-help.ts). `onResult` hears every result shown.
 */
export class StepsView {
  readonly #steps = new Map<string, StepView>();

  constructor(
    root: ParentNode,
    check: (stepId: string) => Promise<Result<StepResult>>,
    readonly onResult: (result: StepResult) => void = () => undefined,
  ) {
    for (const section of root.querySelectorAll<HTMLElement>('[data-step-id]')) {
      const id = section.dataset.stepId;
      const button = section.querySelector<HTMLButtonElement>('[data-action="check"]');
      const status = section.querySelector<HTMLElement>('[data-step-status]');
      if (!id || !button || !status) continue;
      const view: StepView = { section, button, status, hint: section.dataset.hint || undefined };
      this.#steps.set(id, view);
      button.addEventListener('click', async () => {
        if (this.#state(view) === 'pending') return;
        this.#setPending(view);
        const result = await check(id);
        if ('data' in result) this.showResult(result.data);
        else this.#render(view, 'error', [paragraph(`Could not check this step: ${result.error.message}`)]);
      });
    }
  }

  showResult(result: StepResult): void {
    const view = this.#steps.get(result.stepId);
    if (!view) return;
    this.onResult(result);
    const key = JSON.stringify([result.passed, result.outcomes.map((o) => [o.passed, o.message]), result.hint]);
    if (view.shown === key && this.#state(view) !== 'pending') return;
    view.shown = key;
    if (result.passed) {
      this.#render(view, 'passed', ['Passed']);
      return;
    }
    const failed = result.outcomes.filter((outcome) => !outcome.passed);
    const passed = result.outcomes.filter((outcome) => outcome.passed);
    const list = document.createElement('ul');
    list.className = 'step-outcomes';
    for (const outcome of [...failed, ...passed]) list.append(outcomeItem(outcome));
    const parts: Node[] = [paragraph('Not passed yet', 'step-status-summary')];
    if (result.outcomes.length > 0) parts.push(list);
    if (view.hint || result.hint) parts.push(paragraph('Stuck? See the hint below.', 'step-status-help'));
    this.#render(view, 'failed', parts);
  }

  /** Marks the steps a session already passed (on load, and whenever session:info says so). */
  markPassed(stepIds: readonly string[]): void {
    for (const id of stepIds) {
      const view = this.#steps.get(id);
      if (view && this.#state(view) !== 'passed') this.#render(view, 'passed', ['Passed']);
    }
  }

  /** Back to "Not checked yet" for a new sandbox, except the steps it reports as passed. */
  reset(passed: readonly string[] = []): void {
    for (const view of this.#steps.values()) {
      view.shown = undefined;
      this.#render(view, 'idle', ['Not checked yet']);
    }
    this.markPassed(passed);
  }

  #setPending(view: StepView): void {
    view.shown = undefined;
    this.#render(view, 'pending', ['Checking…']);
    view.button.setAttribute('aria-disabled', 'true');
  }

  #state(view: StepView): StepState {
    return (view.section.dataset.state as StepState | undefined) ?? 'idle';
  }

  #render(view: StepView, state: StepState, content: (Node | string)[]): void {
    view.section.dataset.state = state;
    view.section.classList.toggle('is-passed', state === 'passed');
    if (state !== 'pending') view.button.removeAttribute('aria-disabled');
    view.status.replaceChildren(...content);
  }
}

function outcomeItem(outcome: CheckOutcome): HTMLLIElement {
  const item = document.createElement('li');
  item.className = outcome.passed ? 'outcome outcome--passed' : 'outcome outcome--failed';
  const label = document.createElement('span');
  label.className = 'visually-hidden';
  label.textContent = outcome.passed ? 'Confirmed: ' : 'Failed: ';
  item.append(label, outcome.message + (outcome.timedOut ? ' (timed out)' : ''));
  return item;
}

function paragraph(text: string, className?: string, label?: string): HTMLParagraphElement {
  const p = document.createElement('p');
  if (className) p.className = className;
  if (label) {
    const strong = document.createElement('strong');
    strong.textContent = label;
    p.append(strong);
  }
  p.append(text);
  return p;
}
