/** What the learner did on one step that decides which help the page offers. */
export interface StepHelpState {
  /** The step has a hint to open. */
  hasHint: boolean;
  /** A check of the step failed (on this page, or recorded before). */
  failed: boolean;
  hintOpened: boolean;
  solutionShown: boolean;
}

export interface StepHelpOffer {
  /** The "Show hint" button is there. */
  hint: boolean;
  /** The "Show solution" button is there. */
  solution: boolean;
}

/**
 * The help a step offers: its hint once a check of it failed (or the learner opened it before), and
 * its solution only once the learner opened the hint AND a check failed (a step without a hint:
 * once a check failed), or when it was shown before.
 */
export function stepHelpOffer(state: StepHelpState): StepHelpOffer {
  const hint = state.hasHint && (state.failed || state.hintOpened);
  const solution = state.solutionShown || (state.failed && (state.hintOpened || !state.hasHint));
  return { hint, solution };
}
