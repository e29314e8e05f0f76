import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEARNER_HEADER } from '../../sandbox-engine/src/contracts/session.js';
import { newLearnerKey } from '../../sandbox-engine/src/sessions/learner-key.js';
import { requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';

const lesson = 'postgres-in-a-container';

describe('the progress API: validated, per learner, site origin only', () => {
  let test: TestEngine;
  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine();
  });
  afterAll(async () => {
    if (test) await test[Symbol.asyncDispose]();
  });

  const call = async (method: string, route: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(new URL(route, test.url), {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { [LEARNER_HEADER]: key } : {}), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as { data?: unknown; error?: { code: string; message: string } }) : undefined };
  };

  it('asks for the learner key, and starts every learner empty', async () => {
    const anonymous = await call('GET', '/api/progress', undefined);
    expect(anonymous.status).toBe(400);
    expect(anonymous.body?.error?.message).toContain(LEARNER_HEADER);
    expect(await call('GET', '/api/progress', 'not-a-key')).toMatchObject({ status: 400 });
    expect(await call('GET', '/api/progress', newLearnerKey())).toEqual({ status: 200, body: { data: { profile: { classes: [] }, lessons: [] } } });
  });

  it('refuses malformed bodies with a message naming what is wrong', async () => {
    const key = newLearnerKey();
    const cases: [string, string, unknown, RegExp][] = [
      ['PUT', '/api/progress/name', {}, /displayName/],
      ['PUT', '/api/progress/name', { displayName: '   ' }, /displayName/],
      ['PUT', '/api/progress/name', { displayName: 'x'.repeat(61) }, /displayName/],
      ['PUT', '/api/progress/name', { displayName: 'evil\u202Eeman' }, /control characters/],
      ['PUT', '/api/progress/name', { displayName: 'Ada', admin: true }, /admin/],
      ['POST', '/api/progress/events', { lesson, step: 'start-the-database', kind: 'lesson-started' }, /kind/],
      ['POST', '/api/progress/events', { lesson: '../etc', step: 'x', kind: 'hint-opened' }, /lesson/],
      ['POST', '/api/progress/events', { lesson, step: 'no-such-step', kind: 'hint-opened' }, /no step "no-such-step"/],
      ['POST', '/api/classes/join', { code: 'not a code', displayName: 'Ada' }, /K7M-2QF/],
      ['POST', '/api/classes/join', '{"code": ', /body/i],
    ];
    for (const [method, route, body, message] of cases) {
      const answer = await call(method, route, key, body);
      expect(answer.status, `${method} ${route} ${JSON.stringify(body)}`).toBe(400);
      expect(answer.body?.error?.message).toMatch(message);
    }
    expect(await call('POST', '/api/progress/events', key, { lesson: 'no-such-lesson', step: 'x', kind: 'hint-opened' })).toMatchObject({
      status: 404,
      body: { error: { code: 'unknown-lesson' } },
    });
    expect(await call('GET', '/api/classes/!!', key)).toMatchObject({ status: 400 });
    // Nothing of it was recorded.
    expect((await call('GET', '/api/progress', key)).body).toEqual({ data: { profile: { classes: [] }, lessons: [] } });
  });

  it("records a learner's name and hints for that learner only", async () => {
    const [ada, grace] = [newLearnerKey(), newLearnerKey()];
    expect(await call('PUT', '/api/progress/name', ada, { displayName: '  Ada  ' })).toEqual({ status: 200, body: { data: { displayName: 'Ada', classes: [] } } });
    expect(await call('POST', '/api/progress/events', ada, { lesson, step: 'find-the-port', kind: 'hint-opened' })).toEqual({ status: 204, body: undefined });
    expect(await call('POST', '/api/progress/events', ada, { lesson, step: 'start-the-database', kind: 'solution-shown' })).toMatchObject({ status: 204 });
    const progress = (await call('GET', '/api/progress', ada)).body?.data as { profile: unknown; lessons: Record<string, unknown>[]; continueLesson?: string };
    const steps = test.engine.lessons.find((candidate) => candidate.slug === lesson)!.steps;
    expect(progress.profile).toEqual({ displayName: 'Ada', classes: [] });
    expect(progress.lessons).toEqual([
      expect.objectContaining({
        lesson,
        passedSteps: [],
        totalSteps: steps.length,
        currentStep: steps[0]!.id,
        hintsOpened: ['find-the-port'],
        solutionsShown: ['start-the-database'],
      }),
    ]);
    expect(progress.continueLesson).toBe(lesson);
    expect((await call('GET', '/api/progress', grace)).body).toEqual({ data: { profile: { classes: [] }, lessons: [] } });
  });

  it('finds a class by its code as typed, joins it, and 404s a code nobody has', async () => {
    const key = newLearnerKey();
    const group = await test.engine.progress.createClass('Thursday workshop');
    const typed = group.code.toLowerCase().replace('-', '');
    expect(await call('GET', `/api/classes/${typed}`, key)).toEqual({ status: 200, body: { data: { name: 'Thursday workshop', code: group.code } } });
    const unknown = group.code === 'ZZZ-ZZZ' ? 'YYY-YYY' : 'ZZZ-ZZZ';
    expect(await call('GET', `/api/classes/${unknown}`, key)).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
    expect(await call('POST', '/api/classes/join', key, { code: unknown, displayName: 'Ada' })).toMatchObject({ status: 404 });
    expect(await call('POST', '/api/classes/join', key, { code: typed, displayName: 'Ada' })).toEqual({
      status: 200,
      body: { data: { class: { name: 'Thursday workshop', code: group.code } } },
    });
    expect((await call('GET', '/api/progress', key)).body).toMatchObject({ data: { profile: { displayName: 'Ada', classes: [{ name: 'Thursday workshop', code: group.code }] } } });
    const rows = await test.engine.progress.classRows(group.id);
    expect(rows.map((row) => row.displayName)).toEqual(['Ada']);
  });

  it('refuses pages of other origins, and stops guessing class codes', async () => {
    const key = newLearnerKey();
    for (const [method, route, body] of [
      ['GET', '/api/progress', undefined],
      ['PUT', '/api/progress/name', { displayName: 'Mallory' }],
      ['POST', '/api/progress/events', { lesson, step: 'find-the-port', kind: 'hint-opened' }],
      ['POST', '/api/classes/join', { code: 'ABC-DEF', displayName: 'Mallory' }],
    ] as const) {
      const answer = await call(method, route, key, body, { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' });
      expect(answer, `${method} ${route}`).toMatchObject({ status: 403, body: { error: { code: 'origin-refused' } } });
    }
    expect((await call('GET', '/api/progress', key)).body).toEqual({ data: { profile: { classes: [] }, lessons: [] } });

    // A classroom's worth of lookups goes through; a run of guesses is cut off.
    const statuses: number[] = [];
    for (let guess = 0; guess < 200 && statuses.at(-1) !== 429; guess++) {
      statuses.push((await call('GET', `/api/classes/QQQ-${String(guess).padStart(3, '0')}`, key)).status);
    }
    expect(statuses.slice(0, 30).every((status) => status === 404)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});
