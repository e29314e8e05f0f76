import { describe, expect, it } from 'vitest';
import { ScrollbackBuffer } from './scrollback-buffer.js';

describe('ScrollbackBuffer', () => {
  it('returns what follows an offset', () => {
    const buffer = new ScrollbackBuffer(100);
    expect(buffer.append('hello ')).toEqual({ offset: 0, data: 'hello ' });
    expect(buffer.append('world')).toEqual({ offset: 6, data: 'world' });
    expect(buffer.since(0)).toEqual({ offset: 0, data: 'hello world' });
    expect(buffer.since(6)).toEqual({ offset: 6, data: 'world' });
    expect(buffer.since(11)).toEqual({ offset: 11, data: '' });
    expect(buffer.since(99)).toEqual({ offset: 11, data: '' });
  });

  it('keeps only the most recent output, from a line start', () => {
    const buffer = new ScrollbackBuffer(10);
    buffer.append('line1\nline2\nline3\n');
    expect(buffer.end).toBe(18);
    const held = buffer.since(0);
    expect(held.offset + held.data.length).toBe(18);
    expect(held.data).toBe('line3\n');
    expect(held.offset).toBe(12);
  });

  it('starts from output kept by an earlier engine, at its offsets', () => {
    const buffer = new ScrollbackBuffer(100, { offset: 500, data: 'before\n' });
    expect(buffer.end).toBe(507);
    expect(buffer.append('after')).toEqual({ offset: 507, data: 'after' });
    expect(buffer.since(503)).toEqual({ offset: 503, data: 'ore\nafter' });
    expect(buffer.since(0)).toEqual({ offset: 500, data: 'before\nafter' });
  });
});
