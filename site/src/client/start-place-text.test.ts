import { describe, expect, it } from 'vitest';
import { startPlaceText, startsAhead } from './start-place-text.ts';

describe('startPlaceText', () => {
  it('counts the starts running and those waiting before this one', () => {
    expect(startsAhead({ position: 3, waiting: 5, running: 2, slots: 2, pollMs: 100 })).toBe(4);
    expect(startPlaceText({ position: 3, waiting: 5, running: 2, slots: 2, pollMs: 100 })).toMatch(/^Starting your sandbox — 4 starts ahead of you \(this server starts 2 at a time\)/);
    expect(startPlaceText({ position: 1, waiting: 1, running: 1, slots: 1, pollMs: 100 })).toMatch(/— 1 start ahead of you/);
  });

  it('says it is starting when it has a slot', () => {
    expect(startPlaceText({ position: 0, waiting: 4, running: 1, slots: 1, pollMs: 100 })).toBe('Starting your sandbox…');
  });
});
