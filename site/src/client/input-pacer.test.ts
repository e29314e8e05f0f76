import { expect, it } from 'vitest';
import { InputPacer } from './input-pacer.ts';

it('lets a burst go at once and the rest at the rate', () => {
  let now = 0;
  const pacer = new InputPacer(100, 50, () => now);
  expect(pacer.delayFor(60)).toBe(0);
  expect(pacer.delayFor(40)).toBe(0);
  expect(pacer.delayFor(25)).toBe(500);
  now += 499;
  expect(pacer.delayFor(25)).toBeGreaterThan(0);
  now += 1;
  expect(pacer.delayFor(25)).toBe(0);
});
