import { describe, expect, it } from 'vitest';
import type { ProgressResponse } from '../../../sandbox-engine/src/contracts/progress.js';
import { LEARNER_HEADER } from '../../../sandbox-engine/src/contracts/session.js';
import { fetchProgress, findClass, joinClass, recordStepEvent, saveDisplayName } from './progress-api.ts';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** A fetch that answers `status` and `body` and keeps what it was asked. */
function answering(status: number, body: unknown, sent: Sent[] = []): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    sent.push({
      url,
      method: init.method ?? 'GET',
      headers: init.headers as Record<string, string>,
      ...(init.body ? { body: JSON.parse(init.body as string) } : {}),
    });
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
}

const unreachable = (async () => {
  throw new TypeError('Failed to fetch');
}) as unknown as typeof fetch;

const progress: ProgressResponse = {
  profile: { displayName: 'Ada', classes: [{ name: 'Docker 101', code: 'K7M-2QF' }] },
  lessons: [{ lesson: 'postgres-in-a-container', passedSteps: ['start-the-database'], totalSteps: 6, currentStep: 'find-the-port', failedSteps: [], hintsOpened: [], solutionsShown: [] }],
  continueLesson: 'postgres-in-a-container',
};

describe('the progress API client', () => {
  it('reads the progress with the learner key', async () => {
    const sent: Sent[] = [];
    expect(await fetchProgress(answering(200, { data: progress }, sent))).toEqual({ data: progress });
    expect(sent[0]).toMatchObject({ url: '/api/progress', method: 'GET' });
    expect(sent[0]!.headers[LEARNER_HEADER]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('sends a name and a join with their bodies', async () => {
    const sent: Sent[] = [];
    const profile = { displayName: 'Ada', classes: [] };
    expect(await saveDisplayName('Ada', answering(200, { data: profile }, sent))).toEqual({ data: profile });
    const joined = { class: { name: 'Docker 101', code: 'K7M-2QF' } };
    expect(await joinClass('K7M-2QF', 'Ada', answering(200, { data: joined }, sent))).toEqual({ data: joined });
    expect(sent.map(({ url, method, body }) => ({ url, method, body }))).toEqual([
      { url: '/api/progress/name', method: 'PUT', body: { displayName: 'Ada' } },
      { url: '/api/classes/join', method: 'POST', body: { code: 'K7M-2QF', displayName: 'Ada' } },
    ]);
  });

  it("passes the server's error on, and encodes the code it looks up", async () => {
    const sent: Sent[] = [];
    const error = { code: 'not-found', message: 'No class has this code.', retryable: false };
    expect(await findClass('K7M/2QF', answering(404, { error }, sent))).toEqual({ error });
    expect(sent[0]!.url).toBe('/api/classes/K7M%2F2QF');
  });

  it('says the server could not be reached, or answered outside the contract', async () => {
    expect(await fetchProgress(unreachable)).toMatchObject({ error: { code: 'internal', message: /Could not reach/ } });
    expect(await fetchProgress(answering(200, { data: { lessons: 'none' } }))).toMatchObject({ error: { message: /does not understand \(HTTP 200\)/ } });
    expect(await fetchProgress(answering(502, undefined))).toMatchObject({ error: { message: /HTTP 502/ } });
  });

  it('records an event and says whether the server took it', async () => {
    const sent: Sent[] = [];
    expect(await recordStepEvent({ lesson: 'postgres-in-a-container', step: 'find-the-port', kind: 'hint-opened' }, answering(204, undefined, sent))).toBe(true);
    expect(sent[0]).toMatchObject({ url: '/api/progress/events', method: 'POST', body: { lesson: 'postgres-in-a-container', step: 'find-the-port', kind: 'hint-opened' } });
    expect(await recordStepEvent({ lesson: 'x', step: 'y', kind: 'solution-shown' }, unreachable)).toBe(false);
    expect(await recordStepEvent({ lesson: 'x', step: 'y', kind: 'solution-shown' }, answering(400, { error: {} }))).toBe(false);
  });
});
