import { describe, expect, it } from 'vitest';
import { WatchedSessions } from './watched-sessions.js';

describe('WatchedSessions', () => {
  it('tells a session once when the first watcher comes and once when the last one leaves', () => {
    const told: string[] = [];
    const watched = new WatchedSessions((session, watching) => told.push(`${session}:${watching}`));
    const first = watched.add('s1');
    const second = watched.add('s1');
    expect(watched.watching('s1')).toBe(true);
    first();
    first();
    expect(told).toEqual(['s1:true']);
    second();
    expect(told).toEqual(['s1:true', 's1:false']);
    expect(watched.watching('s1')).toBe(false);
    watched.add('s2');
    expect(told.at(-1)).toBe('s2:true');
  });
});
