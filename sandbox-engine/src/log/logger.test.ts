import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('writes one JSON event per line with its fields, the level by name and children fields', () => {
    const lines: string[] = [];
    const log = createLogger('info', { instance: 'x' }, (line) => lines.push(line)).child({ session: 's1' });
    log.debug('hidden');
    log.info('session.created', { ms: 12 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', event: 'session.created', instance: 'x', session: 's1', ms: 12 });
  });

  it('keeps an error stack and survives circular values', () => {
    const lines: string[] = [];
    const log = createLogger('info', {}, (line) => lines.push(line));
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    log.error('boom', { error: new Error('it broke'), circular });
    const record = JSON.parse(lines[0]!);
    expect(record.error).toMatchObject({ message: 'it broke', type: 'Error' });
    expect(record.error.stack).toMatch(/logger\.test\.ts/);
    expect(record.circular.self).toBe('[Circular]');
  });
});
