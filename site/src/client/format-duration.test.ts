import { describe, expect, it } from 'vitest';
import { formatDuration, msUntil } from './format-duration.ts';

describe('formatDuration', () => {
  it.each([
    [30_000, 'less than a minute'],
    [60_000, '1 min'],
    [4.5 * 60_000, '5 min'],
    [60 * 60_000, '1 h'],
    [112 * 60_000, '1 h 52 min'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('msUntil', () => {
  it('measures to an ISO time', () => {
    expect(msUntil('2030-01-01T00:01:00.000Z', Date.parse('2030-01-01T00:00:00.000Z'))).toBe(60_000);
  });

  it('is undefined for a time that does not parse', () => {
    expect(msUntil('soon')).toBeUndefined();
  });
});
