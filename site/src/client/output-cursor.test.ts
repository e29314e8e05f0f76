import { describe, expect, it } from 'vitest';
import { OutputCursor } from './output-cursor.ts';

describe('OutputCursor', () => {
  it('passes new output through and advances', () => {
    const cursor = new OutputCursor();
    expect(cursor.take(0, 'hello')).toBe('hello');
    expect(cursor.take(5, ' world')).toBe(' world');
    expect(cursor.received).toBe(11);
  });

  it('drops output it already holds (a replay after reconnect)', () => {
    const cursor = new OutputCursor();
    cursor.take(0, 'abcdef');
    expect(cursor.take(0, 'abcdef')).toBe('');
    expect(cursor.take(2, 'cd')).toBe('');
    expect(cursor.received).toBe(6);
  });

  it('keeps only the unseen tail of an overlapping chunk', () => {
    const cursor = new OutputCursor();
    cursor.take(0, 'abcdef');
    expect(cursor.take(4, 'efgh')).toBe('gh');
    expect(cursor.received).toBe(8);
  });

  it('accepts a gap (server scrollback trimmed) and continues from its end', () => {
    const cursor = new OutputCursor();
    expect(cursor.take(100, 'xyz')).toBe('xyz');
    expect(cursor.received).toBe(103);
  });

  it('starts again at 0 after reset', () => {
    const cursor = new OutputCursor();
    cursor.take(0, 'old');
    cursor.reset();
    expect(cursor.take(0, 'new')).toBe('new');
  });
});
