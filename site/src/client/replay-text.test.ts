import { describe, expect, it } from 'vitest';
import { replayableSteps, replayStatusText, stepRangeText } from './replay-text.ts';

describe('replayableSteps', () => {
  it('takes the recorded steps the lesson has, in lesson order', () => {
    const lesson = ['a', 'b', 'c', 'd'];
    expect(replayableSteps(lesson, ['c', 'a', 'b'])).toEqual(['a', 'b', 'c']);
    expect(replayableSteps(lesson, ['gone'])).toEqual([]);
  });
});

describe('stepRangeText', () => {
  it('writes runs of three or more as ranges and lists the rest', () => {
    expect(stepRangeText([2])).toBe('step 2');
    expect(stepRangeText([1, 2])).toBe('steps 1 and 2');
    expect(stepRangeText([3, 1, 2])).toBe('steps 1–3');
    expect(stepRangeText([1, 2, 4])).toBe('steps 1, 2 and 4');
    expect(stepRangeText([1, 2, 3, 5])).toBe('steps 1–3 and 5');
    expect(stepRangeText([])).toBe('no steps');
  });
});

describe('replayStatusText', () => {
  const event = { index: 1, total: 3, step: 'find-the-port' } as const;
  it('says which step the replay is at', () => {
    expect(replayStatusText({ ...event, state: 'typing' }, 'Find the port')).toBe('Replaying step 2 of 3: Find the port…');
    expect(replayStatusText({ ...event, state: 'checking' }, 'Find the port')).toBe('Checking step 2 of 3: Find the port…');
  });

  it('says when it is done, and why it stopped', () => {
    expect(replayStatusText({ ...event, index: 2, state: 'done' }, 'x')).toMatch(/where you were: all 3 steps were replayed/);
    expect(replayStatusText({ ...event, index: 1, total: 2, state: 'done' }, 'x')).toMatch(/where you were: both steps were replayed/);
    expect(replayStatusText({ ...event, state: 'failed', message: 'db is not running' }, 'Find the port')).toBe(
      'The replay stopped at step 2 of 3 (Find the port): db is not running. Carry on from there yourself.',
    );
  });
});
