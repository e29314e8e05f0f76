import { describe, expect, it } from 'vitest';
import { findStepMarkers } from './find-step-markers.js';

describe('findStepMarkers', () => {
  it('finds each <Step> with its id and file line', () => {
    const body = ['Intro', '', '<Step id="one">', 'text', '</Step>', "<Step id='two' title=\"a > b\"/>", '<Step', '  id="three"', '>'].join('\n');
    expect(findStepMarkers(body, 10)).toEqual([
      { id: 'one', line: 12 },
      { id: 'two', line: 15 },
      { id: 'three', line: 16 },
    ]);
  });

  it('ignores <Steps>, other components, and markup inside fenced code', () => {
    const body = ['<Steps>', '<StepList />', '~~~mdx', '<Step id="shown" />', '~~~', '````md', '```', '<Step id="nested" />', '```', '````', '<Step id="real" />'].join('\n');
    expect(findStepMarkers(body)).toEqual([{ id: 'real', line: 11 }]);
  });

  it('reports a step without a plain string id', () => {
    expect(findStepMarkers('<Step title="x" />\n<Step id={"x"} />')).toEqual([
      { id: undefined, line: 1 },
      { id: undefined, line: 2 },
    ]);
  });
});
