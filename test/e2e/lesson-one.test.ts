import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, terminalText, waitForQuietPrompt, waitUntil } from '../support/chromium.js';
import { requireDocker } from '../support/docker-state.js';
import { repoRoot, startTestEngine, type TestEngine } from '../support/start-test-engine.js';

const artifacts = path.join(repoRoot, 'test-results');
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('a learner does lesson 1 in Chromium', () => {
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

  it('runs every block, checks every step, and sees them all pass', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(test.url);
    await page.getByRole('link', { name: 'Run PostgreSQL in a container', exact: true }).click();
    await page.waitForURL(/\/lessons\/postgres-in-a-container\/?$/);

    // The sandbox starts by itself: a root prompt on a Docker host of the learner's own.
    await waitUntil('the sandbox prompt', async () => /root@sandbox/.test(await terminalText(page)), 60_000);
    expect(await page.getByRole('button', { name: 'Start sandbox' }).count()).toBe(0);

    const steps = page.getByRole('region', { name: /^Step \d+:/ });
    const stepCount = await steps.count();
    expect(stepCount).toBe(6);
    for (let index = 0; index < stepCount; index++) {
      const step = steps.nth(index);
      const runButtons = step.getByRole('button', { name: 'Run', exact: true });
      const runs = await runButtons.count();
      for (let run = 0; run < runs; run++) {
        await runButtons.nth(run).click();
        await waitForQuietPrompt(page);
      }
      const status = step.getByRole('status');
      await step.getByRole('button', { name: 'Check', exact: true }).click();
      await waitUntil(`step ${index + 1} to pass`, async () => /Passed/.test(await status.innerText()), 60_000).catch(async (error) => {
        throw new Error(`${(error as Error).message}\nstatus: ${await status.innerText()}\nterminal:\n${(await terminalText(page)).slice(-1500)}`);
      });

      if (index === 1) {
        // Coming back to the page reconnects to the same shell: recent output shown once, steps still passed.
        const before = count(await terminalText(page), 'docker port db 5432');
        await page.reload();
        await waitUntil('the replayed terminal', async () => /docker port db 5432/.test(await terminalText(page)), 30_000);
        await waitForQuietPrompt(page);
        expect(count(await terminalText(page), 'docker port db 5432')).toBe(before);
        await waitUntil('passed steps after reload', async () => /Passed/.test(await steps.nth(1).getByRole('status').innerText()));
      }
    }
    for (let index = 0; index < stepCount; index++) {
      expect(await steps.nth(index).getByRole('status').innerText()).toMatch(/Passed/);
    }
    await page.screenshot({ path: path.join(artifacts, 'lesson-1-finished.png'), fullPage: true });
  });
});
