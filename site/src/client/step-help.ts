import { stepHelpOffer, type StepHelpState } from './step-help-state.ts';

type HelpEvent = 'hint-opened' | 'solution-shown';

interface HelpView {
  state: StepHelpState;
  area: HTMLElement;
  hintButton: HTMLButtonElement | null;
  hint: HTMLElement | null;
  solutionButton: HTMLButtonElement | null;
  solution: HTMLElement | null;
  /** Events already sent from this page. */
  sent: Set<HelpEvent>;
}

/** What the learner did before, as the progress API remembers it. */
export interface RecordedHelp {
  failedSteps: readonly string[];
  hintsOpened: readonly string[];
  solutionsShown: readonly string[];
}

/**
 * The hint and solution of each step (rendered hidden by Step.astro): "Show hint" appears once a
 * check of the step failed, "Show solution" once the hint was opened and a check failed
 * (step-help-state.ts). Opening either is reported through `record` once per page.
 */
export class StepHelp {
  readonly #views = new Map<string, HelpView>();

  constructor(
    root: ParentNode,
    private readonly record: (stepId: string, kind: HelpEvent) => void,
  ) {
    for (const section of root.querySelectorAll<HTMLElement>('[data-step-id]')) {
      const id = section.dataset.stepId;
      const area = section.querySelector<HTMLElement>('[data-step-help]');
      if (!id || !area) continue;
      const find = <T extends HTMLElement>(selector: string) => area.querySelector<T>(selector);
      const hintButton = find<HTMLButtonElement>('[data-action="toggle-hint"]');
      const solutionButton = find<HTMLButtonElement>('[data-action="toggle-solution"]');
      const view: HelpView = {
        state: { hasHint: hintButton !== null, failed: false, hintOpened: false, solutionShown: false },
        area,
        hintButton,
        hint: hintButton ? document.getElementById(hintButton.getAttribute('aria-controls') ?? '') : null,
        solutionButton,
        solution: solutionButton ? document.getElementById(solutionButton.getAttribute('aria-controls') ?? '') : null,
        sent: new Set(),
      };
      this.#views.set(id, view);
      hintButton?.addEventListener('click', () => this.#toggle(id, view, 'hint'));
      solutionButton?.addEventListener('click', () => this.#toggle(id, view, 'solution'));
    }
  }

  /** A check of this step failed: its hint is offered (and its solution, once the hint was opened). */
  failed(stepId: string, hint?: string): void {
    const view = this.#views.get(stepId);
    if (!view) return;
    const text = view.hint?.querySelector('[data-hint-text]');
    if (hint && text && text.textContent !== hint) text.textContent = hint;
    view.state.failed = true;
    this.#render(view);
  }

  /** What the learner did before this page (GET /api/progress). */
  restore(recorded: RecordedHelp): void {
    for (const [id, view] of this.#views) {
      if (recorded.failedSteps.includes(id)) view.state.failed = true;
      if (recorded.hintsOpened.includes(id)) view.state.hintOpened = true;
      if (recorded.solutionsShown.includes(id)) view.state.solutionShown = true;
      this.#render(view);
    }
  }

  #toggle(id: string, view: HelpView, which: 'hint' | 'solution'): void {
    const button = which === 'hint' ? view.hintButton : view.solutionButton;
    const panel = which === 'hint' ? view.hint : view.solution;
    if (!button || !panel) return;
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', String(open));
    button.textContent = `${open ? 'Hide' : 'Show'} ${which}`;
    panel.hidden = !open;
    if (!open) return;
    const kind: HelpEvent = which === 'hint' ? 'hint-opened' : 'solution-shown';
    if (which === 'hint') view.state.hintOpened = true;
    else view.state.solutionShown = true;
    if (!view.sent.has(kind)) {
      view.sent.add(kind);
      this.record(id, kind);
    }
    this.#render(view);
  }

  #render(view: HelpView): void {
    const offer = stepHelpOffer(view.state);
    if (view.hintButton) view.hintButton.hidden = !offer.hint;
    if (view.solutionButton) view.solutionButton.hidden = !offer.solution;
    view.area.hidden = !offer.hint && !offer.solution;
  }
}
