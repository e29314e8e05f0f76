import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { playLesson } from '../support/play-lesson.js';
import { artifacts, useBrowserAndEngine } from '../support/browser-and-engine.js';


describe('a learner does lesson 2 in Chromium', () => {
  const env = useBrowserAndEngine();

  // Three app containers start in this lesson, each taking several seconds to boot Rails.
  it('runs every block, checks every step, and sees them all pass', { timeout: 600_000 }, async () => {
    const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
    expect(await playLesson(page, env.test.url, 'Run a Rails app over two containers', { blockTimeoutMs: 120_000 })).toBe(9);
    await page.screenshot({ path: path.join(artifacts, 'lesson-2-finished.png'), fullPage: true });
  });
});
