import { describe, expect, it } from 'vitest';
import { checkStepMarkers } from './check-step-markers.js';

const at = (id: string | undefined, line: number) => ({ id, line });

describe('checkStepMarkers', () => {
  it('accepts each step once, in order', () => {
    expect(checkStepMarkers(['a', 'b'], [at('a', 3), at('b', 9)])).toEqual([]);
  });

  it('reports unknown, doubled, missing and out-of-order steps', () => {
    expect(checkStepMarkers(['a', 'b', 'c'], [at('b', 3), at('a', 5), at('a', 7), at('z', 9)])).toEqual([
      { field: 'body line 7', message: '<Step id="a"> appears twice in the body (first on line 5)' },
      { field: 'body line 9', message: '<Step id="z"> matches no step in the frontmatter (steps: a, b, c)' },
      { field: 'steps[2].id', message: 'step "c" has no <Step id="c"> in the body' },
      { field: 'body line 3', message: '<Step id="b"> is out of order: the frontmatter lists "a" here (steps: a, b, c)' },
    ]);
  });

  it('does not call a step out of order only because an earlier one is missing', () => {
    expect(checkStepMarkers(['a', 'b', 'c'], [at('a', 1), at('c', 2)])).toEqual([
      { field: 'steps[1].id', message: 'step "b" has no <Step id="b"> in the body' },
    ]);
  });
});
