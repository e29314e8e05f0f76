import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../../sandbox-engine/src/contracts/session.js';
import { createSession, endSession } from './session-api.ts';

function fakeFetch(status: number, body: unknown): typeof fetch {
  return (async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })) as unknown as typeof fetch;
}

const info: SessionInfo = {
  sessionId: 's1',
  lesson: 'postgres-in-a-container',
  expiresAt: '2026-12-01T06:00:00.000Z',
  idleExpiresAt: '2026-12-01T05:30:00.000Z',
  idleTimeoutMs: 900_000,
  warnBeforeMs: 60_000,
  passedSteps: ['run'],
  resumed: false,
};

describe('createSession', () => {
  it('returns the sandbox the engine started', async () => {
    expect(await createSession('postgres-in-a-container', {}, fakeFetch(201, { data: info }))).toEqual({ data: info });
  });

  it('returns the place in line of a 202', async () => {
    const queued = { position: 2, waiting: 3, capacity: 4, pollMs: 5000 };
    expect(await createSession('x', {}, fakeFetch(202, { queued }))).toEqual({ queued });
  });

  it("returns the engine's error", async () => {
    const error = { code: 'capacity', message: 'full', retryable: true };
    expect(await createSession('x', {}, fakeFetch(503, { error }))).toEqual({ error });
  });

  it('turns an answer outside the contract into a retryable error', async () => {
    for (const [status, body] of [
      [200, { data: { ...info, passedSteps: 'run' } }],
      [200, { queued: { position: 1, waiting: 1, capacity: 1, pollMs: 1000 } }],
      [500, { error: { code: 'no-such-code', message: 'x', retryable: false } }],
      [200, { data: info, error: { code: 'internal', message: 'both', retryable: false } }],
      [502, 'Bad gateway'],
    ] as const) {
      const result = await createSession('x', {}, fakeFetch(status, body));
      expect(result).toMatchObject({ error: { code: 'internal', retryable: true } });
      expect('error' in result && result.error.message).toContain(`HTTP ${status}`);
    }
  });
});

describe('endSession', () => {
  it('returns what the engine answered', async () => {
    expect(await endSession('x', fakeFetch(200, { data: { ended: true } }))).toEqual({ data: { ended: true } });
  });

  it('turns a malformed answer into an error', async () => {
    expect(await endSession('x', fakeFetch(200, { data: { ended: 'yes' } }))).toMatchObject({ error: { message: 'The server answered HTTP 200.' } });
  });
});

describe('createSession: a start under way', () => {
  it('returns the place among the starts of a 202', async () => {
    const starting = { position: 3, waiting: 4, running: 1, slots: 1, pollMs: 100 };
    expect(await createSession('x', {}, fakeFetch(202, { starting }))).toEqual({ starting });
    expect(await createSession('x', {}, fakeFetch(200, { starting }))).toMatchObject({ error: { code: 'internal' } });
  });
});
