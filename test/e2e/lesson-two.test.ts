import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { requireDocker } from '../support/docker-state.js';
import { playLesson } from '../support/play-lesson.js';
import { repoRoot, startTestEngine, type TestEngine } from '../support/start-test-engine.js';

const artifacts = path.join(repoRoot, 'test-results');

describe('a learner does lesson 2 in Chromium', () => {
  let test: TestEngine;
  let browser: Browser;
  beforeAll(async () => {
    await requireDocker();
    await mkdir(artifacts, { recursive: true });
    test = await startTestEngine();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (test) await test[Symbol.asyncDispose]();
  });

  // Three app containers start in this lesson, each taking several seconds to boot Rails.
  it('runs every block, checks every step, and sees them all pass', { timeout: 600_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    expect(await playLesson(page, test.url, 'Run a Rails app over two containers', { blockTimeoutMs: 120_000 })).toBe(9);
    await page.screenshot({ path: path.join(artifacts, 'lesson-2-finished.png'), fullPage: true });
  });
});
