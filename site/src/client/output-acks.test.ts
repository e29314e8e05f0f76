import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutputAcks } from './output-acks.ts';

const pace = { everyChars: 100, minIntervalMs: 50, quietMs: 100 };

describe('OutputAcks', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('acknowledges at once when enough is written, then no more often than the interval', () => {
    const sent: number[] = [];
    const acks = new OutputAcks((offset) => sent.push(offset), pace, () => Date.now());
    acks.written(150);
    expect(sent).toEqual([150]);
    acks.written(300);
    expect(sent).toEqual([150]);
    vi.advanceTimersByTime(50);
    expect(sent).toEqual([150, 300]);
  });

  it('acknowledges a small output once the terminal goes quiet', () => {
    const sent: number[] = [];
    const acks = new OutputAcks((offset) => sent.push(offset), pace, () => Date.now());
    acks.written(10);
    vi.advanceTimersByTime(60);
    acks.written(20);
    vi.advanceTimersByTime(99);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([20]);
    acks.written(20);
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([20]);
  });

  it('starts again at 0 for a new sandbox', () => {
    const sent: number[] = [];
    const acks = new OutputAcks((offset) => sent.push(offset), pace, () => Date.now());
    acks.written(500);
    acks.written(550);
    acks.reset();
    vi.advanceTimersByTime(1000);
    acks.written(30);
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([500, 30]);
  });
});
