import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { terminalText, waitForQuietPrompt, waitUntil } from '../support/chromium.js';
import { playLesson } from '../support/play-lesson.js';
import { artifacts, useBrowserAndEngine } from '../support/browser-and-engine.js';

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('a learner does lesson 1 in Chromium', () => {
  const env = useBrowserAndEngine();

  it('runs every block, checks every step, and sees them all pass', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const steps = await playLesson(page, env.test.url, 'Run PostgreSQL in a container', {
      afterStep: async (index, stepLocator) => {
        if (index !== 1) return;
        // Coming back to the page reconnects to the same shell: recent output shown once, steps still passed.
        const before = count(await terminalText(page), 'docker port db 5432');
        await page.reload();
        await waitUntil('the replayed terminal', async () => /docker port db 5432/.test(await terminalText(page)), 30_000);
        await waitForQuietPrompt(page);
        expect(count(await terminalText(page), 'docker port db 5432')).toBe(before);
        await waitUntil('passed steps after reload', async () => /Passed/.test(await stepLocator.nth(1).getByRole('status').innerText()));
      },
    });
    expect(steps).toBe(6);
    await page.screenshot({ path: path.join(artifacts, 'lesson-1-finished.png'), fullPage: true });
  });
});
