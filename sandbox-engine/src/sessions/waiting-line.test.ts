import { describe, expect, it } from 'vitest';
import { SessionError } from './session-errors.js';
import { WaitingLine } from './waiting-line.js';

const options = { pollMs: 2000, ttlMs: 10_000, maxLength: 3, maxPerAddress: 2 };

describe('WaitingLine', () => {
  it('serves first come, first served: only the head takes a single free slot', () => {
    const line = new WaitingLine(options, () => 0);
    expect(line.enter('a', 'ip1')).toBe(1);
    expect(line.enter('b', 'ip2')).toBe(2);
    expect(line.admits('b', 1)).toBe(false);
    expect(line.admits('a', 1)).toBe(true);
    // Two free slots: both may start; a newcomer still waits behind them.
    expect(line.admits('b', 2)).toBe(true);
    expect(line.admits('newcomer', 2)).toBe(false);
    expect(line.admits('newcomer', 3)).toBe(true);
    expect(line.admits('a', 0)).toBe(false);
  });

  it('keeps a place for a learner who keeps asking and drops one who left', () => {
    let now = 0;
    const line = new WaitingLine(options, () => now);
    line.enter('a', 'ip1');
    line.enter('b', 'ip2');
    now = 8000;
    line.enter('b', 'ip2');
    now = 12_000;
    // a stopped asking 12 s ago: gone; b moved up.
    expect(line.position('a')).toBeUndefined();
    expect(line.position('b')).toBe(1);
    line.leave('b');
    expect(line.length).toBe(0);
  });

  it('bounds the line and the entries from one address', () => {
    const line = new WaitingLine(options, () => 0);
    line.enter('a', 'ip1');
    line.enter('b', 'ip1');
    expect(() => line.enter('c', 'ip1')).toThrow(SessionError);
    line.enter('c', 'ip2');
    expect(() => line.enter('d', 'ip3')).toThrow(/line is full/);
  });

  it('serves addresses in turn: a flood from one address does not fill the front of the line', () => {
    const held = new Map([['flood', 3]]);
    const line = new WaitingLine({ ...options, maxLength: 100, maxPerAddress: 50 }, () => 0, (address) => held.get(address) ?? 0);
    for (const key of ['f1', 'f2', 'f3']) line.enter(key, 'flood');
    line.enter('class1', 'school');
    line.enter('class2', 'school');
    line.enter('solo', 'home');
    // school and home hold nothing: their first learners go first, then school's second, then the flood.
    expect(['class1', 'solo', 'class2', 'f1', 'f2', 'f3'].map((key) => line.position(key))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(line.admits('newcomer', 2, 'elsewhere')).toBe(false);
    expect(line.admits('newcomer', 3, 'elsewhere')).toBe(true);
    expect(line.admits('f4', 6, 'flood')).toBe(false);
  });
});
