import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { terminalText, typeInTerminal, waitForQuietPrompt, waitUntil } from '../support/chromium.js';
import { artifacts, useBrowserAndEngine } from '../support/browser-and-engine.js';

/** The lines step 1 of the Dockerfile walkthrough asks for under the starting file's FROM line. */
const ADDED_LINES = [
  'LABEL maintainer="you@example.com"',
  'RUN apt-get update',
  'RUN apt-get install -y --no-install-recommends fortune-mod fortunes-min',
  'COPY clock.sh /usr/local/bin/clock.sh',
  'RUN chmod +x /usr/local/bin/clock.sh',
];

/** Monaco draws spaces as no-break spaces. */
const editorText = async (page: Page) => (await page.locator('.monaco-editor .view-lines').innerText()).replace(/\u00a0/g, ' ');

/**
 * Types lines at the cursor, key by key. Each line ends with a space before Enter: a word-based
 * suggestion still open after the last word would otherwise be accepted by Enter, and a space
 * closes it. Trailing spaces do not matter to a Dockerfile (nor to the step's checks).
 */
async function typeLines(page: Page, lines: readonly string[]): Promise<void> {
  for (const line of lines) {
    await page.keyboard.type(`${line} `);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Enter');
  }
}

/** Clicks a step's Check and waits for its verdict. */
async function check(step: Locator): Promise<string> {
  const status = step.getByRole('status');
  await step.getByRole('button', { name: 'Check', exact: true }).click();
  return waitUntil('the check verdict', async () => {
    const text = await status.innerText();
    return /Passed|Not passed/.test(text) ? text : '';
  }, 60_000);
}

describe('a learner writes the Dockerfile of the walkthrough in the editor, in Chromium', () => {
  const env = useBrowserAndEngine();

  it('opens the starting Dockerfile from the step, edits and saves it in Monaco, builds it, and both checks pass', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${env.test.url}/lessons/dockerfile-walkthrough/`);
    await waitUntil('the sandbox prompt', async () => /root@sandbox/.test(await terminalText(page)), 120_000);
    const write = page.getByRole('region', { name: /^Step 1:/ });
    const build = page.getByRole('region', { name: /^Step 2:/ });
    // Monaco's styles come with Monaco (site/src/build/monaco-styles-at-runtime.ts): the page loads
    // the site's own stylesheet only, and none of Monaco's until the editor is first shown.
    const styles = () => page.evaluate(() => ({ links: document.querySelectorAll('link[rel="stylesheet"]').length, monaco: document.querySelectorAll('style[data-monaco]').length }));
    expect(await styles()).toEqual({ links: 1, monaco: 0 });

    // The step's Open button shows the starting file (lessons/dockerfile-walkthrough/_files/).
    await write.getByRole('button', { name: 'Open fortune-clock/Dockerfile' }).click();
    await waitUntil('the starting Dockerfile', async () => /FROM debian:bookworm/.test(await editorText(page)), 30_000);
    expect((await styles()).monaco).toBeGreaterThan(20);
    // Styled by them: the line numbers' column is placed by Monaco's CSS, not by an inline style.
    const lineNumbers = page.locator('.monaco-editor .line-numbers').first();
    expect(await lineNumbers.evaluate((element) => [getComputedStyle(element).position, (element as HTMLElement).style.position])).toEqual(['absolute', '']);
    expect(await page.locator('[data-editor-path]').innerText()).toBe('fortune-clock/Dockerfile');
    expect(await page.locator('[data-editor-host]').getAttribute('data-mode-id')).toBe('dockerfile');
    const files = page.getByRole('navigation', { name: 'Files in /root' });
    await waitUntil('clock.sh in the tree', async () => (await files.getByRole('button', { name: 'clock.sh' }).count()) === 1, 15_000);

    // Not done yet: the starting file has no COPY line.
    expect(await check(write)).toMatch(/does not install fortune-mod yet/);

    // Type the rest of the file under FROM, then save with Ctrl+S.
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+End');
    await typeLines(page, ADDED_LINES);
    await waitUntil('the unsaved marker', () => page.locator('[data-editor-dirty]').isVisible());
    await page.keyboard.press('Control+S');
    await waitUntil('the save', async () => !(await page.locator('[data-editor-dirty]').isVisible()), 15_000);
    const text = await editorText(page);
    for (const line of ADDED_LINES) expect(text).toContain(line);

    // Build in the terminal below the editor: the file it reads is the one saved from the editor.
    await typeInTerminal(page, 'cd ~/fortune-clock && grep -c . Dockerfile && docker build -t fortune-clock:1.0 .');
    await waitUntil('the build', async () => /Successfully tagged fortune-clock:1\.0/.test(await terminalText(page)), 240_000).catch(async (error) => {
      throw new Error(`${(error as Error).message}\nterminal:\n${(await terminalText(page)).slice(-1500)}`);
    });
    await waitForQuietPrompt(page);

    expect(await check(write)).toMatch(/^Passed/);
    expect(await check(build)).toMatch(/^Passed/);
    await write.getByRole('status').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, 'dockerfile-editor.png') });
    await page.close();
  });
});
