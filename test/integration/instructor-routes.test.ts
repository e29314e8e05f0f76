import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassSummary, ClassTable, ClassResults, InstructorClientEvents, InstructorServerEvents, WatchStarted } from '../../sandbox-engine/src/contracts/instructor.js';
import type { ApiError, Result } from '../../sandbox-engine/src/contracts/session.js';
import type { SessionWatched } from '../../sandbox-engine/src/contracts/socket-events.js';
import { PASSWORD_FAILURES } from '../../sandbox-engine/src/http/instructor-auth.js';
import { hashLearnerKey } from '../../sandbox-engine/src/sessions/learner-key.js';
import { instanceResources, requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const PASSWORD = 'a long instructor passphrase';
const LESSON = 'postgres-in-a-container';
type InstructorSocket = Socket<InstructorServerEvents, InstructorClientEvents>;

/** A call to the instructor API as a script or the instructor's page would make it. */
async function call(base: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(new URL(`/api/instructor${path}`, base), {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  let body: { data?: unknown; error?: ApiError } | undefined;
  try {
    body = text ? (JSON.parse(text) as typeof body) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

function connectInstructor(base: string, headers: Record<string, string>): Promise<InstructorSocket> {
  const socket: InstructorSocket = io(new URL('/instructor', base).href, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

function ask<T>(socket: InstructorSocket, event: 'class:subscribe' | 'watch:start' | 'watch:stop', payload: unknown): Promise<Result<T>> {
  return socket.timeout(30_000).emitWithAck(event, payload) as Promise<Result<T>>;
}

const nextEvent = <T>(socket: { once(event: string, listener: (payload: T) => void): unknown }, event: string, match: (payload: T) => boolean = () => true, timeoutMs = 20_000) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const listen = () =>
      socket.once(event, (payload: T) => {
        if (!match(payload)) return listen();
        clearTimeout(timer);
        resolve(payload);
      });
    listen();
  });

describe('instructor routes and socket', () => {
  let test: TestEngine;
  let bare: TestEngine;
  let previewOrigin: string;
  let cookie = '';

  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine({ INSTRUCTOR_PASSWORD: PASSWORD });
    bare = await startTestEngine();
    previewOrigin = `http://127.0.0.1:${(test.engine.previewServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await bare?.[Symbol.asyncDispose]();
    await test?.[Symbol.asyncDispose]();
    if (test) expect(await instanceResources(test.instance)).toMatchObject({ containers: 0, volumes: 0, mounts: 0, clones: 0 });
  });

  it('says how to turn the area on when no password is configured, and lets nothing in', async () => {
    expect((await call(bare.url, '/status')).body).toEqual({ data: { configured: false, signedIn: false } });
    const login = await call(bare.url, '/login', { method: 'POST', body: { password: PASSWORD } });
    expect(login.status).toBe(404);
    expect(login.body?.error).toMatchObject({ code: 'not-configured', message: expect.stringMatching(/INSTRUCTOR_PASSWORD/) });
    expect(login.headers.get('set-cookie')).toBeNull();
    expect((await call(bare.url, '/classes')).status).toBe(404);
    expect((await call(bare.url, '/classes/x/results.csv', { headers: { authorization: `Bearer ${PASSWORD}` } })).status).toBe(404);
    await expect(connectInstructor(bare.url, {})).rejects.toMatchObject({ data: { code: 'not-configured' } });
  });

  it('refuses a wrong password (401) and a missing cookie, and signs in with the right one', async () => {
    expect((await call(test.url, '/status')).body).toEqual({ data: { configured: true, signedIn: false } });
    const wrong = await call(test.url, '/login', { method: 'POST', body: { password: 'not the password at all' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body?.error?.code).toBe('unauthorized');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect((await call(test.url, '/login', { method: 'POST', body: { pass: PASSWORD } })).status).toBe(400);

    for (const path of ['/classes', '/classes/abc/results.json', '/classes/abc/results.csv']) {
      const refused = await call(test.url, path);
      expect(refused.status, path).toBe(401);
      expect(refused.body?.error?.code).toBe('unauthorized');
    }
    expect((await call(test.url, '/classes', { method: 'POST', body: { name: 'x' } })).status).toBe(401);
    expect((await call(test.url, '/classes', { headers: { cookie: 'dyl_instructor=made-up-token' } })).status).toBe(401);
    await expect(connectInstructor(test.url, {})).rejects.toMatchObject({ data: { code: 'unauthorized' } });

    const login = await call(test.url, '/login', { method: 'POST', body: { password: PASSWORD } });
    expect(login.status).toBe(204);
    const setCookie = login.headers.getSetCookie();
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0]).toMatch(/^dyl_instructor=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Expires=[^;]+ GMT$/);
    cookie = setCookie[0]!.split(';')[0]!;
    expect((await call(test.url, '/status', { headers: { cookie } })).body).toEqual({ data: { configured: true, signedIn: true } });
    // A cookie of the same name planted by another page does not hide the real one.
    expect((await call(test.url, '/classes', { headers: { cookie: `dyl_instructor=planted; ${cookie}` } })).status).toBe(200);
  });

  it('refuses every instructor route and the socket to a page on the preview origin, cookie or not', async () => {
    const fromPreview = { cookie, origin: previewOrigin };
    const sameSite = { cookie, 'sec-fetch-site': 'same-site' };
    for (const headers of [fromPreview, sameSite]) {
      for (const [method, path] of [['GET', '/status'], ['GET', '/classes'], ['POST', '/classes'], ['POST', '/logout'], ['GET', '/classes/x/results.csv'], ['POST', '/login']] as const) {
        const refused = await call(test.url, path, { method, headers, ...(method === 'POST' ? { body: { name: 'x', password: PASSWORD } } : {}) });
        expect(refused.status, `${method} ${path}`).toBe(403);
        expect(refused.body?.error?.code).toBe('origin-refused');
      }
    }
    await expect(connectInstructor(test.url, fromPreview)).rejects.toThrow();
    // The session survived the attempts (the preview's POST /logout was refused).
    expect((await call(test.url, '/status', { headers: { cookie } })).body).toEqual({ data: { configured: true, signedIn: true } });
  });

  it('creates a class, pushes its table when a learner joins and progresses, and exports JSON and CSV', async () => {
    const created = await call(test.url, '/classes', { method: 'POST', body: { name: 'Monday group' }, headers: { cookie, origin: test.url.replace(/\/$/, '') } });
    expect(created.status).toBe(201);
    const summary = created.body?.data as ClassSummary;
    expect(summary).toMatchObject({ name: 'Monday group', code: expect.stringMatching(/^[A-Z0-9]{3}-[A-Z0-9]{3}$/) });
    expect(summary.joinPath).toBe(`/join?code=${summary.code}`);
    expect(((await call(test.url, '/classes', { headers: { cookie } })).body?.data as ClassSummary[]).map((entry) => entry.id)).toContain(summary.id);
    expect((await call(test.url, '/classes', { method: 'POST', body: { name: '   ' }, headers: { cookie } })).status).toBe(400);

    const socket = await connectInstructor(test.url, { cookie });
    try {
      const first = await ask<ClassTable>(socket, 'class:subscribe', { classId: summary.id });
      expect('data' in first && first.data.rows).toEqual([]);
      expect('data' in first && first.data.lessons[0]).toMatchObject({ slug: LESSON, totalSteps: 6 });
      expect(await ask(socket, 'class:subscribe', { classId: 'no-such-class' })).toMatchObject({ error: { code: 'not-found' } });
      expect(await ask(socket, 'class:subscribe', { classId: '../../x' })).toMatchObject({ error: { code: 'bad-request' } });

      // Pushed, not polled: a join, then a failed and a passed check, each reach the open table.
      const progress = test.engine.progress;
      const mallory = hashLearnerKey('m'.repeat(43));
      const joined = nextEvent<ClassTable>(socket, 'class:table', (table) => table.rows.length === 1);
      await progress.joinClass(mallory, summary.id, '=HYPERLINK("http://evil","x")');
      expect((await joined).rows[0]).toMatchObject({ displayName: '=HYPERLINK("http://evil","x")', failedAttempts: 0 });
      const at = new Date();
      const passed = nextEvent<ClassTable>(socket, 'class:table', (table) => table.rows[0]?.lessons[0]?.passed === 1);
      await progress.recordAttempt({ learner: mallory, lesson: LESSON, step: 'start-the-database', passed: false, failedChecks: ['db is not running'], message: 'No container named db is running.', at, durationMs: 80 });
      await progress.recordAttempt({ learner: mallory, lesson: LESSON, step: 'start-the-database', passed: true, failedChecks: [], at: new Date(at.getTime() + 1000), durationMs: 95 });
      const row = (await passed).rows[0]!;
      expect(row.lessons[0]).toEqual({ lesson: LESSON, passed: 1, total: 6 });
      expect(row.current).toMatchObject({ lesson: LESSON, step: 'find-the-port', stepTitle: 'See the container and find its port' });
      expect(row.lastFailure).toMatchObject({ step: 'start-the-database', message: 'No container named db is running.' });
    } finally {
      socket.close();
    }

    // CSV for a script with the password as a bearer token; formulas defused.
    const csv = await call(test.url, `/classes/${summary.id}/results.csv`, { headers: { authorization: `Bearer ${PASSWORD}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="Monday-group-results.csv"');
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe('"name","learner","lesson","lesson_title","passed_steps","total_steps","completed_at","failed_attempts"');
    expect(lines[1]).toBe(`"'=HYPERLINK(""http://evil"",""x"")","${hashLearnerKey('m'.repeat(43))}","${LESSON}","Run PostgreSQL in a container",1,6,,1`);
    expect(lines).toHaveLength(test.engine.lessons.length + 2);

    const json = await call(test.url, `/classes/${summary.id}/results.json`, { headers: { cookie } });
    expect(json.status).toBe(200);
    const results = json.body as unknown as ClassResults;
    expect(results.class.id).toBe(summary.id);
    expect(results.results).toHaveLength(test.engine.lessons.length);
    expect(results.attempts.map((attempt) => [attempt.step, attempt.passed, attempt.message])).toEqual([
      ['start-the-database', false, 'No container named db is running.'],
      ['start-the-database', true, undefined],
    ]);

    const wrongBearer = await call(test.url, `/classes/${summary.id}/results.csv`, { headers: { authorization: 'Bearer guess-guess-guess' } });
    expect(wrongBearer.status).toBe(401);
    expect(wrongBearer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await call(test.url, '/classes/00000000-0000-0000-0000-000000000000/results.json', { headers: { cookie } })).status).toBe(404);
  });

  it('lets the instructor watch a learner of the class read-only; the learner is told; nothing typed reaches the shell', async () => {
    const summary = (await call(test.url, '/classes', { method: 'POST', body: { name: 'Watchers' }, headers: { cookie } })).body?.data as ClassSummary;
    const learner = new TestLearner(test.url, LESSON);
    const stranger = new TestLearner(test.url, LESSON);
    expect((await learner.startSession()).status).toBe(201);
    await learner.connect();
    await learner.attach();
    await learner.waitForOutput(/root@sandbox/, 60_000);
    const learnerId = hashLearnerKey(learner.learnerKey);
    const socket = await connectInstructor(test.url, { cookie });
    try {
      // Only learners of the class, and only with a sandbox.
      expect(await ask(socket, 'watch:start', { classId: summary.id, learner: learnerId })).toMatchObject({ error: { code: 'not-found' } });
      await test.engine.progress.joinClass(learnerId, summary.id, 'Ada');
      await test.engine.progress.joinClass(hashLearnerKey(stranger.learnerKey), summary.id, 'Grace');
      expect(await ask(socket, 'watch:start', { classId: summary.id, learner: hashLearnerKey(stranger.learnerKey) })).toMatchObject({
        error: { code: 'no-session', message: 'Grace has no sandbox running right now.' },
      });

      let watchedOutput = '';
      socket.on('watch:output', ({ data, offset }) => {
        watchedOutput += data;
        socket.emit('watch:ack', { offset: offset + data.length });
      });
      const told = nextEvent<SessionWatched>(learner.socket!, 'session:watched');
      const started = await ask<WatchStarted>(socket, 'watch:start', { classId: summary.id, learner: learnerId });
      if (!('data' in started)) throw new Error(started.error.message);
      expect(started.data).toMatchObject({ displayName: 'Ada', lesson: LESSON, lessonTitle: 'Run PostgreSQL in a container', cols: 120, rows: 30 });
      expect(started.data.replay.data).toMatch(/root@sandbox/);
      expect(await told).toEqual({ watching: true });

      // The command line holds "$((6*7))"; only the shell's answer holds "watched-42".
      learner.type('echo watched-$((6*7))\r');
      await learner.waitForOutput(/watched-42/);
      await expect.poll(() => watchedOutput, { timeout: 20_000 }).toMatch(/watched-42/);

      // The namespace has no input: the learner's own event names do nothing here.
      const raw = socket as unknown as Socket;
      raw.emit('terminal:input', { terminalId: 'main', clientId: 'instructor-0001', seq: 0, data: 'touch /root/instructor-was-here\r' });
      raw.emit('terminal:resize', { terminalId: 'main', cols: 20, rows: 5 });
      learner.type('echo after-$((1+1))\r');
      await learner.waitForOutput(/after-2/);
      const session = test.engine.sessions.forLearner(learnerId)!;
      const marker = await test.engine.sessions.shellFor(session).run('test -e /root/instructor-was-here && echo present || echo absent', { timeoutMs: 10_000, signal: AbortSignal.timeout(15_000) });
      expect(marker.stdout.trim()).toBe('absent');
      expect(session.terminals.get('main')!.requestedSize).toEqual({ cols: 120, rows: 30 });

      const untold = nextEvent<SessionWatched>(learner.socket!, 'session:watched');
      expect(await ask(socket, 'watch:stop', {})).toEqual({ data: { stopped: true } });
      expect(await untold).toEqual({ watching: false });

      // Signing out ends the socket of that session.
      const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      expect((await call(test.url, '/logout', { method: 'POST', headers: { cookie } })).status).toBe(204);
      expect(await closed).toBe('io server disconnect');
      expect((await call(test.url, '/classes', { headers: { cookie } })).status).toBe(401);
    } finally {
      socket.close();
      learner.disconnect();
      await learner.endSession();
    }
  });

  it('limits wrong passwords per address, then refuses even the right one for a while', async () => {
    // Earlier tests spent some of this address's tries (refilled with time): at most the burst is left.
    let refused = 0;
    while (refused <= PASSWORD_FAILURES.burst && (await call(test.url, '/login', { method: 'POST', body: { password: `guess number ${refused}` } })).status === 401) refused++;
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(PASSWORD_FAILURES.burst);
    const limited = await call(test.url, '/login', { method: 'POST', body: { password: PASSWORD } });
    expect(limited.status).toBe(429);
    expect(limited.body?.error?.code).toBe('rate-limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const bearer = await call(test.url, '/classes/x/results.csv', { headers: { authorization: `Bearer ${PASSWORD}` } });
    expect(bearer.status).toBe(429);
  });
});
