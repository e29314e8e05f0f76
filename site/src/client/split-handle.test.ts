import { describe, expect, it } from 'vitest';
import { clampSplit, parseStoredSplit, SPLIT_DEFAULT, SPLIT_MAX, SPLIT_MIN, splitForKey } from './split-handle.ts';

describe('splitForKey', () => {
  it('moves by 2 with the arrows and by 10 with Shift, within the bounds', () => {
    expect(splitForKey(48, 'ArrowLeft')).toBe(46);
    expect(splitForKey(48, 'ArrowRight')).toBe(50);
    expect(splitForKey(48, 'ArrowRight', true)).toBe(58);
    expect(splitForKey(SPLIT_MIN + 1, 'ArrowLeft', true)).toBe(SPLIT_MIN);
    expect(splitForKey(SPLIT_MAX - 1, 'ArrowRight')).toBe(SPLIT_MAX);
  });

  it('jumps to the bounds with Home and End, and ignores other keys', () => {
    expect(splitForKey(48, 'Home')).toBe(SPLIT_MIN);
    expect(splitForKey(48, 'End')).toBe(SPLIT_MAX);
    expect(splitForKey(48, 'Tab')).toBeUndefined();
    expect(splitForKey(48, 'ArrowUp')).toBeUndefined();
  });
});

describe('parseStoredSplit', () => {
  it('reads a stored share, clamped, and falls back to the default', () => {
    expect(parseStoredSplit('60')).toBe(60);
    expect(parseStoredSplit('99')).toBe(SPLIT_MAX);
    expect(parseStoredSplit(null)).toBe(SPLIT_DEFAULT);
    expect(parseStoredSplit('')).toBe(SPLIT_DEFAULT);
    expect(parseStoredSplit('wide')).toBe(SPLIT_DEFAULT);
  });

  it('rounds to whole percents', () => {
    expect(clampSplit(47.6)).toBe(48);
  });
});
