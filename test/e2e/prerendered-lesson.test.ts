import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEARNER_HEADER } from '../../sandbox-engine/src/contracts/session.js';
import { waitUntil } from '../support/chromium.js';
import { lessonPageTimeline, newLearnerKey, writeClickHarness, type LessonPageTimeline } from '../support/click-harness.js';
import { requireDocker } from '../support/docker-state.js';
import { repoRoot, startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { launchUnattachedChromium } from '../support/unattached-chromium.js';

const lesson = 'postgres-in-a-container';
const HARNESS = 'prerender-then-click.html';

/**
 * The site prerenders a lesson page while the pointer rests on its link (site/src/client/
 * prerender.ts). Prerendering runs the page's scripts: a page the learner never opens must not
 * take a sandbox, neither from its inline script (a returning learner's key is stored) nor from its
 * module. Chromium prerenders nothing while a DevTools client is attached (Playwright always is),
 * so a page on the site's origin prerenders the lesson by itself and clicks its link when the test
 * says so (test/support/click-harness.ts); the test attaches only afterwards.
 */
describe('a prerendered lesson page', () => {
  let test: TestEngine;
  let site: string;
  const learnerKey = newLearnerKey();
  const asked: string[] = [];
  const noteRequest = (request: IncomingMessage & { originalUrl?: string }) => {
    // The engine's own handler ran first: Express has cut its mount path off `url`.
    if (request.headers[LEARNER_HEADER] === learnerKey) asked.push(`${request.method} ${request.originalUrl ?? request.url}`);
  };

  beforeAll(async () => {
    await requireDocker();
    site = mkdtempSync(path.join(tmpdir(), 'dockyard-prerender-site-'));
    cpSync(path.resolve(repoRoot, process.env.SITE_DIR ?? 'site/dist'), site, { recursive: true });
    writeClickHarness(site, HARNESS, { lesson, prerender: true, learnerKey, click: 'when-go-file' });
    test = await startTestEngine({ MAX_SANDBOXES: '2', WARM_POOL_SIZE: '1', SITE_DIR: site });
    test.engine.httpServer.on('request', noteRequest);
  });
  afterAll(async () => {
    test?.engine.httpServer.off('request', noteRequest);
    await test?.[Symbol.asyncDispose]();
    if (site) rmSync(site, { recursive: true, force: true });
  });

  it('takes no sandbox while prerendered, and takes one and shows the prompt once clicked', async () => {
    await waitUntil('a ready pool sandbox', async () => (test.engine.sessions.poolState.readyByLesson[lesson] ?? 0) >= 1, 300_000);
    await using browser = await launchUnattachedChromium(new URL(HARNESS, test.url).href);
    // The prerendered page's module ran: it asked for the learner's progress (nobody clicked yet).
    await waitUntil('the prerendered page asking for progress', async () => asked.some((request) => request.startsWith('GET /api/progress')), 120_000);
    // A moment for anything it might still send (its inline script ran before its module).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(asked.filter((request) => request.includes('/api/sessions'))).toEqual([]);
    expect(test.engine.sessions.list()).toEqual([]);
    expect(test.engine.sessions.poolState.readyByLesson[lesson]).toBe(1);

    writeFileSync(path.join(site, 'go.txt'), 'go');
    let timeline: LessonPageTimeline | null = null;
    await waitUntil("the lesson page's first output", async () => (timeline = await lessonPageTimeline(browser, lesson, HARNESS)) !== null, 120_000);
    const { activationStart, progressAsked, sessionAsked, marks, terminalFitted } = timeline!;
    // It was prerendered, and its module ran then, its terminal fitted to its box (the page's
    // first layout done before the click, not in the first frame after it)...
    expect(activationStart).toBeGreaterThan(0);
    expect(progressAsked).toBeGreaterThanOrEqual(0);
    expect(progressAsked).toBeLessThan(activationStart);
    expect(terminalFitted).toBeGreaterThanOrEqual(0);
    expect(terminalFitted).toBeLessThan(activationStart);
    // ...yet it asked for its sandbox once, when shown, and got the pool's.
    expect(sessionAsked).toBeGreaterThanOrEqual(activationStart);
    expect(asked.filter((request) => request.includes('/api/sessions'))).toEqual(['POST /api/sessions']);
    expect(marks['dockyard:first-output']).toBeGreaterThan(marks['dockyard:session-ready']);
    expect(test.engine.sessions.list().map((session) => session.lesson)).toEqual([lesson]);
  });
});
