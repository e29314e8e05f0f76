import { describe, expect, it } from 'vitest';
import { stepHelpOffer } from './step-help-state.ts';

const fresh = { hasHint: true, failed: false, hintOpened: false, solutionShown: false };

describe('stepHelpOffer', () => {
  it('offers nothing before a check failed', () => {
    expect(stepHelpOffer(fresh)).toEqual({ hint: false, solution: false });
  });

  it('offers the hint after a failed check, and the solution only once the hint was opened too', () => {
    expect(stepHelpOffer({ ...fresh, failed: true })).toEqual({ hint: true, solution: false });
    expect(stepHelpOffer({ ...fresh, failed: true, hintOpened: true })).toEqual({ hint: true, solution: true });
    expect(stepHelpOffer({ ...fresh, hintOpened: true })).toEqual({ hint: true, solution: false });
  });

  it('keeps a solution shown before, and needs no hint where the step has none', () => {
    expect(stepHelpOffer({ ...fresh, solutionShown: true }).solution).toBe(true);
    expect(stepHelpOffer({ ...fresh, hasHint: false, failed: true })).toEqual({ hint: false, solution: true });
  });
});
