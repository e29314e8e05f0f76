import { describe, expect, it } from 'vitest';
import { splitInput } from './input-chunks.ts';

describe('splitInput', () => {
  it('leaves small input whole', () => {
    expect(splitInput('ls -l\r', 16)).toEqual(['ls -l\r']);
  });

  it('splits big input into pieces of at most max, in order', () => {
    const text = 'x'.repeat(40_000);
    const chunks = splitInput(text, 16_384);
    expect(chunks.map((c) => c.length)).toEqual([16_384, 16_384, 7_232]);
    expect(chunks.join('')).toBe(text);
  });

  it('never cuts a surrogate pair in two', () => {
    const text = 'ab🐳cd';
    const chunks = splitInput(text, 3);
    expect(chunks).toEqual(['ab', '🐳c', 'd']);
    expect(chunks.join('')).toBe(text);
  });

  it('returns nothing for empty input', () => {
    expect(splitInput('', 8)).toEqual([]);
  });
});
