import { describe, expect, it } from 'vitest';
import { findTerminal, nameForRef } from './terminal-ref.ts';

const terminals = [
  { terminalId: 'main', name: 'Terminal 1' },
  { terminalId: 't2', name: 'Terminal 2' },
  { terminalId: 't3', name: 'logs' },
];

describe('findTerminal', () => {
  it('matches a name exactly, ignoring case and spaces', () => {
    expect(findTerminal(terminals, 'Logs ')?.terminalId).toBe('t3');
    expect(findTerminal(terminals, 'terminal  2')?.terminalId).toBe('t2');
  });

  it('reads a bare number as the default name "Terminal N"', () => {
    expect(findTerminal(terminals, '2')?.terminalId).toBe('t2');
    expect(findTerminal(terminals, '4')).toBeUndefined();
  });

  it('finds main for "1" even after it was renamed', () => {
    expect(findTerminal([{ terminalId: 'main', name: 'shell' }], '1')?.terminalId).toBe('main');
  });

  it('prefers a terminal literally named with the number', () => {
    expect(findTerminal([...terminals, { terminalId: 't4', name: '2' }], '2')?.terminalId).toBe('t4');
  });
});

describe('nameForRef', () => {
  it('names numbered terminals like the engine does', () => {
    expect(nameForRef('2')).toBe('Terminal 2');
    expect(nameForRef(' logs ')).toBe('logs');
    expect(nameForRef('x'.repeat(50))).toHaveLength(40);
  });
});
