import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { terminalText, waitForQuietPrompt, waitUntil } from './chromium.js';

export interface PlayLessonOptions {
  /** How long a block may run before the terminal shows a quiet prompt again. */
  blockTimeoutMs?: number;
  /** Called after a step passed (index from 0), e.g. to reload the page mid-lesson. */
  afterStep?: (index: number, steps: Locator) => Promise<void>;
}

/**
 * Does a lesson as a learner: opens it from the home page, waits for the sandbox's prompt, then
 * for every step clicks each Run (waiting for the prompt to come back) and Check, and expects
 * "Passed". Returns the number of steps.
 */
export async function playLesson(page: Page, baseUrl: string, title: string, options: PlayLessonOptions = {}): Promise<number> {
  const blockTimeoutMs = options.blockTimeoutMs ?? 60_000;
  await page.goto(baseUrl);
  await page.getByRole('link', { name: title, exact: true }).click();
  await page.waitForURL(/\/lessons\/[a-z0-9-]+\/?$/);

  // The sandbox starts by itself: a root prompt on a Docker host of the learner's own.
  await waitUntil('the sandbox prompt', async () => /root@sandbox/.test(await terminalText(page)), 120_000);
  expect(await page.getByRole('button', { name: 'Start sandbox' }).count()).toBe(0);

  const steps = page.getByRole('region', { name: /^Step \d+:/ });
  const stepCount = await steps.count();
  for (let index = 0; index < stepCount; index++) {
    const step = steps.nth(index);
    const runButtons = step.getByRole('button', { name: 'Run', exact: true });
    const runs = await runButtons.count();
    for (let run = 0; run < runs; run++) {
      await runButtons.nth(run).click();
      await waitForQuietPrompt(page, blockTimeoutMs);
    }
    const status = step.getByRole('status');
    await step.getByRole('button', { name: 'Check', exact: true }).click();
    await waitUntil(`step ${index + 1} to pass`, async () => /Passed/.test(await status.innerText()), 60_000).catch(async (error) => {
      throw new Error(`${(error as Error).message}\nstatus: ${await status.innerText()}\nterminal:\n${(await terminalText(page)).slice(-1500)}`);
    });
    await options.afterStep?.(index, steps);
  }
  for (let index = 0; index < stepCount; index++) {
    expect(await steps.nth(index).getByRole('status').innerText()).toMatch(/Passed/);
  }
  return stepCount;
}
