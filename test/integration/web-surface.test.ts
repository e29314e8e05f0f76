import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEARNER_HEADER } from '../../sandbox-engine/src/contracts/session.js';
import type { SessionEnded } from '../../sandbox-engine/src/contracts/socket-events.js';
import { hashLearnerKey } from '../../sandbox-engine/src/sessions/learner-key.js';
import { instanceResources, requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const lessons = ['postgres-in-a-container', 'container-deep-dive', 'images-and-commits', 'containers-in-the-background'];

/** The same browser (one learner key) on another lesson page. */
const sameBrowser = (learner: TestLearner, lesson: string) => {
  const tab = new TestLearner(learner.baseUrl, lesson);
  tab.learnerKey = learner.learnerKey;
  return tab;
};

describe('web surface: one sandbox per learner, a waiting line, site origin only', () => {
  let test: TestEngine;

  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine({ MAX_SANDBOXES: '2' });
  });
  afterAll(async () => {
    await test?.[Symbol.asyncDispose]();
  });

  it('gives a learner opening 4 lessons one sandbox, moved only when they say so', async () => {
    const first = new TestLearner(test.url, lessons[0]!);
    expect((await first.startSession()).status).toBe(201);
    await first.connect();
    const ended = new Promise<SessionEnded>((resolve) => first.socket!.once('session:ended', resolve));

    // Two tabs of the same lesson asking at once share the sandbox.
    const [tabA, tabB] = await Promise.all([sameBrowser(first, lessons[0]!).startSession(), sameBrowser(first, lessons[0]!).startSession()]);
    expect([tabA.status, tabB.status]).toEqual([200, 200]);
    expect(tabA.body.data!.sessionId).toBe(first.sessionId);

    // Another lesson: asked first, because what is in the sandbox would be lost.
    const second = sameBrowser(first, lessons[1]!);
    const asked = await second.startSession();
    expect(asked.status).toBe(409);
    expect(asked.body.error).toMatchObject({ code: 'holds-other-lesson', lesson: { slug: lessons[0] } });

    let previous = first.sessionId;
    for (const lesson of lessons.slice(1)) {
      const tab = sameBrowser(first, lesson);
      const moved = await tab.startSession({ move: true });
      expect(moved.status).toBe(201);
      expect(moved.body.data!.movedFrom).toBeDefined();
      expect(moved.body.data!.sessionId).not.toBe(previous);
      previous = moved.body.data!.sessionId;
      const held = test.engine.sessions.list().filter((session) => session.learnerHash === hashLearnerKey(first.learnerKey));
      expect(held.map((session) => session.lesson)).toEqual([lesson]);
      expect((await instanceResources(test.instance)).containers).toBe(1);
    }
    // The page of the first lesson was told why its sandbox ended.
    expect(await ended).toMatchObject({ reason: 'moved', message: expect.stringMatching(/one sandbox at a time/) });
    first.disconnect();

    // End sandbox: gone at once, with nothing left on the host.
    const last = sameBrowser(first, lessons[3]!);
    expect(await last.endSession()).toBe(200);
    expect(await instanceResources(test.instance)).toEqual({ containers: 0, networks: 0, volumes: 0, mounts: 0, cgroups: 0, clones: 0 });
  });

  it('serves a second learner at capacity 2, queues a third and starts it by itself when one ends', async () => {
    const one = new TestLearner(test.url, lessons[0]!);
    const two = new TestLearner(test.url, lessons[0]!);
    const three = new TestLearner(test.url, lessons[0]!);
    const four = new TestLearner(test.url, lessons[1]!);
    expect((await one.startSession()).status).toBe(201);
    expect((await two.startSession()).status).toBe(201);

    const waiting = await three.startSession();
    expect(waiting.status).toBe(202);
    expect(waiting.body.queued).toMatchObject({ position: 1, capacity: 2 });
    expect((await four.startSession()).body.queued).toMatchObject({ position: 2 });
    // Asking again keeps the place; nobody jumps the line.
    expect((await three.startSession()).body.queued).toMatchObject({ position: 1 });
    expect((await four.startSession()).body.queued).toMatchObject({ position: 2 });

    // One learner ends their sandbox: the head of the line gets it on its next ask, the next moves up.
    expect(await one.endSession()).toBe(200);
    expect((await four.startSession()).body.queued).toMatchObject({ position: 2 });
    const admitted = await three.startSession();
    expect(admitted.status).toBe(201);
    const moved = await four.startSession();
    expect(moved.body.queued).toMatchObject({ position: 1 });

    // A learner who leaves the page leaves the line.
    const five = new TestLearner(test.url, lessons[0]!);
    expect((await five.startSession()).body.queued).toMatchObject({ position: 2 });
    const left = await fetch(new URL('/api/sessions/queue', test.url), { method: 'DELETE', headers: four.headers });
    expect(left.status).toBe(200);
    expect((await five.startSession()).body.queued).toMatchObject({ position: 1 });
    await fetch(new URL('/api/sessions/queue', test.url), { method: 'DELETE', headers: five.headers });

    expect(await two.endSession()).toBe(200);
    expect(await three.endSession()).toBe(200);
    expect(await instanceResources(test.instance)).toEqual({ containers: 0, networks: 0, volumes: 0, mounts: 0, cgroups: 0, clones: 0 });
  });

  it('answers a burst of 200 session requests from one address, and keeps answering everyone else', async () => {
    const holder = new TestLearner(test.url, lessons[0]!);
    expect((await holder.startSession()).status).toBe(201);
    const health: number[] = [];
    const probing = (async () => {
      for (let i = 0; i < 20; i++) {
        health.push((await fetch(new URL('/api/health', test.url))).status);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const crowd = Array.from({ length: 200 }, () => new TestLearner(test.url, lessons[0]!));
    const statuses = await Promise.all(crowd.map((learner) => learner.startSession().then((answer) => answer.status)));
    await probing;
    const tally = statuses.reduce<Record<number, number>>((counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});
    // One free slot; the rest wait in line until the per-address share of the line is full, then a plain 429.
    expect(Object.keys(tally).map(Number).every((status) => [201, 202, 429].includes(status)), JSON.stringify(tally)).toBe(true);
    expect(tally[201] ?? 0).toBeLessThanOrEqual(1);
    expect(tally[429]).toBeGreaterThan(0);
    expect(health.every((status) => status === 200)).toBe(true);
    expect(test.engine.sessions.occupied).toBeLessThanOrEqual(2);
    // The learner already in still gets their sandbox back.
    expect((await holder.startSession()).status).toBe(200);
    for (const learner of crowd) await fetch(new URL('/api/sessions/queue', test.url), { method: 'DELETE', headers: learner.headers });
    for (const session of test.engine.sessions.list()) await test.engine.sessions.destroy(session, 'ended');
  });

  it('refuses every state-changing route and the terminal socket to a page of another origin', async () => {
    const learner = new TestLearner(test.url, lessons[0]!);
    expect((await learner.startSession()).status).toBe(201);
    const previewOrigin = `http://127.0.0.1:${(test.engine.previewServer.address() as { port: number }).port}`;
    const routes: [string, string, string?][] = [
      ['POST', '/api/sessions', JSON.stringify({ lesson: lessons[0] })],
      ['DELETE', `/api/sessions/${lessons[0]}`],
      ['DELETE', '/api/sessions/queue'],
      ['PUT', `/api/workspace/${lessons[0]}/file`, JSON.stringify({ path: 'planted.txt', content: 'x' })],
      ['GET', `/api/workspace/${lessons[0]}/list?path=`],
      ['GET', `/api/workspace/${lessons[0]}/file?path=planted.txt`],
      ['GET', `/api/workspace/${lessons[0]}/ports`],
    ];
    for (const [method, route, body] of routes) {
      for (const foreign of [{ origin: previewOrigin }, { 'sec-fetch-site': 'same-site' }, { origin: 'null' }] as Record<string, string>[]) {
        const response = await fetch(new URL(route, test.url), { method, body, headers: { ...learner.headers, ...foreign } });
        expect(response.status, `${method} ${route} ${JSON.stringify(foreign)}`).toBe(403);
        expect(await response.json()).toMatchObject({ error: { code: 'origin-refused' } });
      }
    }
    // Nothing was changed by the refused requests: the sandbox is there, no file was planted.
    expect(test.engine.sessions.get(learner.sessionId!)).toBeDefined();
    const planted = await test.engine.sessions.shellFor(test.engine.sessions.get(learner.sessionId!)!).run('test -e /root/planted.txt && echo yes || echo no', {
      timeoutMs: 10_000,
      signal: AbortSignal.timeout(15_000),
    });
    expect(planted.stdout.trim()).toBe('no');
    // The site's own pages are served.
    const site = { ...learner.headers, origin: test.url.replace(/\/$/, ''), 'sec-fetch-site': 'same-origin' };
    for (const [method, route, body] of routes.filter(([method, route]) => method === 'GET' || route === '/api/sessions')) {
      const own = await fetch(new URL(route, test.url), { method, body, headers: site });
      expect(own.status, `${method} ${route} from the site`).not.toBe(403);
    }

    // The socket handshake with the learner's own key, from the preview origin: refused before auth.
    const socket = io(test.url, {
      auth: { lesson: lessons[0], learner: learner.learnerKey },
      extraHeaders: { origin: previewOrigin },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    const outcome = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (error) => resolve(`refused: ${error.message}`));
    });
    socket.disconnect();
    expect(outcome).toMatch(/^refused/);
    // The same key from the site's origin is let in.
    await learner.connect();
    learner.disconnect();
    expect(await learner.endSession()).toBe(200);
    // The header the page sends is the only credential: a cookie alone opens nothing.
    const cookieOnly = await fetch(new URL(`/api/workspace/${lessons[0]}/list?path=`, test.url), { headers: { cookie: `${LEARNER_HEADER}=${learner.learnerKey}` } });
    expect(cookieOnly.status).toBe(404);
  });
});

describe('a burst at one start slot: a place among the starts at once, then the sandbox', () => {
  let test: TestEngine;

  beforeAll(async () => {
    await requireDocker();
    // Answer at once (no held ask), so the first answers are the places whatever this machine's speed.
    test = await startTestEngine({ MAX_SANDBOXES: '4', MAX_CONCURRENT_STARTS: '1', SESSION_START_WAIT_MS: '0' });
  });
  afterAll(async () => {
    await test?.[Symbol.asyncDispose]();
  });

  it('answers 4 learners 202 with their places, each gets 201 with their own sandbox and a prompt', async () => {
    const learners = Array.from({ length: 4 }, () => new TestLearner(test.url, lessons[0]!));
    const first = [];
    for (const learner of learners) first.push(await learner.startSession({ follow: false }));
    expect(first.map((answer) => answer.status)).toEqual([202, 202, 202, 202]);
    const places = first.map((answer) => answer.body.starting!);
    expect(places.every((place) => place.slots === 1 && place.pollMs > 0)).toBe(true);
    // In the order they came: the first starts now (0), the others wait for the one slot.
    const positions = places.map((place) => place.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(positions.at(-1)).toBeGreaterThan(0);

    // Each keeps asking, as the page does, and gets their own sandbox once, with a shell.
    const final = await Promise.all(learners.map((learner) => learner.startSession()));
    expect(final.map((answer) => answer.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(final.map((answer) => answer.body.data!.sessionId)).size).toBe(4);
    expect((await learners[0]!.startSession()).status).toBe(200);
    expect((await instanceResources(test.instance)).containers).toBe(4);
    for (const learner of learners) {
      await learner.connect();
      await learner.attach(0);
      await learner.waitForOutput(/root@sandbox[^\n]*[#$] $/m, 60_000);
      learner.disconnect();
    }
    for (const learner of learners) expect(await learner.endSession()).toBe(200);
    expect(await instanceResources(test.instance)).toEqual({ containers: 0, networks: 0, volumes: 0, mounts: 0, cgroups: 0, clones: 0 });
  });
});
