import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/chromium.js';
import { requireDocker } from '../support/docker-state.js';
import { repoRoot, startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { launchUnattachedChromium } from '../support/unattached-chromium.js';

const lesson = 'postgres-in-a-container';

/**
 * The site prerenders a lesson page while the pointer rests on its link (site/src/client/
 * prerender.ts). Prerendering runs the page's scripts: a page the learner never opens must not
 * take a sandbox. Chromium prerenders nothing while a DevTools client is attached (Playwright
 * always is), so a page on the site's origin prerenders the lesson by itself and clicks its link
 * when the test says so (go.txt appears); the test attaches only afterwards.
 */
describe('a prerendered lesson page', () => {
  let test: TestEngine;
  let site: string;

  beforeAll(async () => {
    await requireDocker();
    site = mkdtempSync(path.join(tmpdir(), 'dockyard-prerender-site-'));
    cpSync(path.resolve(repoRoot, process.env.SITE_DIR ?? 'site/dist'), site, { recursive: true });
    const href = `/lessons/${lesson}/`;
    writeFileSync(
      path.join(site, 'prerender-then-click.html'),
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>prerender then click</title>
<script type="speculationrules">${JSON.stringify({ prerender: [{ urls: [href], eagerness: 'immediate' }] })}</script>
</head><body><a id="go" href="${href}">lesson</a>
<script>
  setInterval(function () {
    fetch('/go.txt', { cache: 'no-store' }).then(function (answer) { if (answer.ok) document.getElementById('go').click(); });
  }, 200);
</script></body></html>`,
    );
    test = await startTestEngine({ MAX_SANDBOXES: '2', WARM_POOL_SIZE: '1', SITE_DIR: site });
  });
  afterAll(async () => {
    await test?.[Symbol.asyncDispose]();
    if (site) rmSync(site, { recursive: true, force: true });
  });

  it('takes no sandbox while prerendered, and takes one and shows the prompt once clicked', async () => {
    await waitUntil('a ready pool sandbox', async () => (test.engine.sessions.poolState.readyByLesson[lesson] ?? 0) >= 1, 300_000);
    await using browser = await launchUnattachedChromium(`${test.url}/prerender-then-click.html`);
    // Long enough for the prerendered page to load and run its modules (checked below from its own timeline).
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    expect(test.engine.sessions.list()).toEqual([]);
    expect(test.engine.sessions.poolState.readyByLesson[lesson]).toBe(1);

    writeFileSync(path.join(site, 'go.txt'), 'go');
    let timeline: { activationStart: number; progressAsked: number; sessionAsked: number; firstOutput: number } | null = null;
    await waitUntil(
      "the lesson page's first output",
      async () => {
        const page = (await browser.pages()).find((candidate) => new URL(candidate.url).pathname === `/lessons/${lesson}/`);
        if (!page) return false;
        timeline = (await browser.evaluate(
          page,
          `(() => {
            const mark = performance.getEntriesByName('dockyard:first-output')[0];
            if (!mark) return null;
            const asked = (suffix) => performance.getEntriesByType('resource').find((entry) => entry.name.endsWith(suffix))?.startTime ?? -1;
            return {
              activationStart: performance.getEntriesByType('navigation')[0].activationStart,
              progressAsked: asked('/api/progress'),
              sessionAsked: asked('/api/sessions'),
              firstOutput: mark.startTime,
            };
          })()`,
        )) as typeof timeline;
        return timeline !== null;
      },
      120_000,
    );
    const { activationStart, progressAsked, sessionAsked, firstOutput } = timeline!;
    // It was prerendered, and its module ran then (it reads the learner's progress at once)...
    expect(activationStart).toBeGreaterThan(0);
    expect(progressAsked).toBeGreaterThanOrEqual(0);
    expect(progressAsked).toBeLessThan(activationStart);
    // ...yet it asked for its sandbox only once shown, and got the pool's.
    expect(sessionAsked).toBeGreaterThanOrEqual(activationStart);
    expect(firstOutput).toBeGreaterThan(sessionAsked);
    expect(test.engine.sessions.list().map((session) => session.lesson)).toEqual([lesson]);
  });
});
