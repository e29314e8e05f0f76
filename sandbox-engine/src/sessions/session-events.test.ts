import { describe, expect, it } from 'vitest';
import { Session } from './session.js';
import { SessionEvents, type SessionEvent } from './session-events.js';

const session = new Session('aaa', 'a', 'ab'.repeat(32), 'c-aaa', 'n-aaa', 0, 60_000);

describe('SessionEvents', () => {
  it('tells every listener of an end in words for the learner, and of a coming end', () => {
    const events = new SessionEvents();
    const heard: SessionEvent[] = [];
    const also: SessionEvent['type'][] = [];
    events.on((event) => heard.push(event));
    events.on((event) => also.push(event.type));
    events.expiring(session, { reason: 'idle', at: new Date(0).toISOString() });
    events.ended(session, 'sandbox-died');
    expect(heard[0]).toEqual({ type: 'expiring', session, payload: { reason: 'idle', at: new Date(0).toISOString() } });
    expect(heard[1]).toMatchObject({ type: 'ended', session, payload: { reason: 'sandbox-died' } });
    expect(heard[1]?.payload).toHaveProperty('message', expect.stringMatching(/stopped unexpectedly/));
    expect(also).toEqual(['expiring', 'ended']);
  });

  it('has a message for every reason, and stops telling a listener that left', () => {
    const events = new SessionEvents();
    const heard: SessionEvent[] = [];
    const leave = events.on((event) => heard.push(event));
    for (const reason of ['idle', 'lifetime', 'ended', 'moved', 'sandbox-died', 'kernel-limit'] as const) events.ended(session, reason);
    expect(heard.map((event) => (event.type === 'ended' ? event.payload.message : '')).every((message) => message.length > 0)).toBe(true);
    leave();
    events.ended(session, 'ended');
    expect(heard).toHaveLength(6);
  });
});
