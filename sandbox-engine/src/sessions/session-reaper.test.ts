import { describe, expect, it } from 'vitest';
import type { SessionEnded, SessionExpiring } from '../contracts/socket-events.js';
import { Session } from './session.js';
import { SessionReaper } from './session-reaper.js';

const minute = 60_000;

function setup(sessions: Session[], running: Set<string> | undefined) {
  const ended: [string, SessionEnded['reason']][] = [];
  const warned: [string, SessionExpiring][] = [];
  const reaper = new SessionReaper({
    sessions: () => sessions,
    runningContainers: async () => running,
    end: async (session, reason) => {
      ended.push([session.id, reason]);
    },
    warn: (session, payload) => warned.push([session.id, payload]),
    settings: () => ({ idleTimeoutMs: 30 * minute, warnBeforeMs: 5 * minute }),
  });
  return { reaper, ended, warned };
}

const session = (id: string, lastActivity: number, expiresAt = 120 * minute) => {
  const made = new Session(id, 'lesson', 'ab'.repeat(32), `c-${id}`, `n-${id}`, 0, expiresAt);
  made.lastActivity = lastActivity;
  return made;
};

describe('SessionReaper', () => {
  it('warns once before an idle end, then ends the session', async () => {
    const idle = session('idle', 0);
    const { reaper, ended, warned } = setup([idle], new Set(['c-idle']));
    await reaper.reap(26 * minute);
    await reaper.reap(27 * minute);
    expect(warned).toEqual([['idle', { reason: 'idle', at: new Date(30 * minute).toISOString() }]]);
    await reaper.reap(30 * minute);
    expect(ended).toEqual([['idle', 'idle']]);
  });

  it('names the lifetime when it comes before the idle timeout', async () => {
    const old = session('old', 100 * minute, 110 * minute);
    const { reaper, ended, warned } = setup([old], new Set(['c-old']));
    await reaper.reap(106 * minute);
    expect(warned[0]?.[1].reason).toBe('lifetime');
    await reaper.reap(110 * minute);
    expect(ended).toEqual([['old', 'lifetime']]);
  });

  it('ends a session whose container stopped, but not when Docker does not answer', async () => {
    const dead = session('dead', 0);
    const quiet = setup([dead], undefined);
    await quiet.reaper.reap(1 * minute);
    expect(quiet.ended).toEqual([]);
    const { reaper, ended } = setup([dead], new Set());
    await reaper.reap(1 * minute);
    expect(ended).toEqual([['dead', 'sandbox-died']]);
  });
});
