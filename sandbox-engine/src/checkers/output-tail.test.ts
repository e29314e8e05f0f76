import { describe, expect, it } from 'vitest';
import { joinOutput, outputTail } from './output-tail.js';

describe('outputTail', () => {
  it('keeps short output whole, without trailing blank lines', () => {
    expect(outputTail('psql: error: connection refused\n\n')).toBe('psql: error: connection refused');
  });

  it('keeps whole last lines of long output', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i} of the log`);
    const tail = outputTail(lines.join('\n'), 100);
    expect(tail.startsWith('…line ')).toBe(true);
    expect(tail.endsWith('line 39 of the log')).toBe(true);
    expect(tail.length).toBeLessThanOrEqual(101);
  });

  it('cuts one very long line', () => {
    expect(outputTail('x'.repeat(1000), 300)).toBe(`…${'x'.repeat(300)}`);
  });
});

describe('joinOutput', () => {
  it('puts stderr after stdout and drops empty parts', () => {
    expect(joinOutput({ stdout: '', stderr: 'Error: boom\n' })).toBe('Error: boom');
    expect(joinOutput({ stdout: 'a\n', stderr: 'b' })).toBe('a\nb');
  });
});
