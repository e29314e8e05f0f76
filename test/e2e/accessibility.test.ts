import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { terminalText, typeInTerminal, waitForQuietPrompt, waitUntil } from '../support/chromium.js';
import { audit } from '../support/axe-audit.js';
import { artifacts, useBrowserAndEngine } from '../support/browser-and-engine.js';

const LESSON = '/lessons/postgres-in-a-container/';

async function openLesson(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}${LESSON}`);
  await waitUntil('the sandbox prompt', async () => /root@sandbox/.test(await terminalText(page)), 120_000);
  await waitForQuietPrompt(page);
  return page;
}

/**
 * Presses keys as one burst: the page holds an Escape only so long for the Tab that follows it
 * (site/src/client/terminal.ts), and a press with page.keyboard is a round trip through this
 * process, which also runs the engine; on a busy machine two of them can be a second apart.
 */
async function pressAtOnce(page: Page, keys: { key: string; code: number }[]): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await Promise.all(
      keys.flatMap(({ key, code }) => [
        cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key, code: key, windowsVirtualKeyCode: code }),
        cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key, code: key, windowsVirtualKeyCode: code }),
      ]),
    );
  } finally {
    await cdp.detach();
  }
}

const focusInTerminal = (page: Page) => page.evaluate(() => Boolean(document.activeElement?.closest('.xterm')));
const screenWidth = async (page: Page) => (await page.locator('.terminal-host:not([hidden]) .xterm-screen').boundingBox())?.width ?? 0;

describe('accessibility of the home and lesson pages in Chromium', () => {
  const env = useBrowserAndEngine();

  it('passes axe (WCAG 2 A, AA) on the home page and a running lesson at 1440 px; the terminal keeps its prompt in view; Preview offers no database port', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
    const home = await context.newPage();
    await home.goto(env.test.url);
    expect(await audit(home)).toEqual([]);
    await home.screenshot({ path: path.join(artifacts, 'a11y-home-1440.png'), fullPage: true });
    // The instructor page of a server without INSTRUCTOR_PASSWORD: how to turn it on (signed in, it is audited in instructor-class.test.ts).
    await home.goto(`${env.test.url}instructor`);
    await waitUntil('the instructor page', () => home.getByRole('heading', { name: 'The instructor area is off' }).isVisible(), 10_000);
    expect(await audit(home)).toEqual([]);
    await home.close();

    const page = await openLesson(context, env.test.url);
    // Output samples are captioned and have nothing to run.
    const output = page.locator('[data-output-block]').first();
    expect(await output.locator('figcaption').innerText()).toMatch(/^output$/i);
    expect(await output.getByRole('button').count()).toBe(0);
    expect(await audit(page)).toEqual([]);

    // Output longer than the terminal, then Editor and back: the prompt is still on screen.
    await typeInTerminal(page, 'seq 1 300');
    await waitForQuietPrompt(page);
    await page.getByRole('tab', { name: 'Editor' }).click();
    await waitUntil('the editor pane', () => page.locator('#panel-editor').isVisible());
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await waitForQuietPrompt(page, 10_000);
    await page.getByRole('tab', { name: /^Preview/ }).click();
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await waitForQuietPrompt(page, 10_000);

    // PostgreSQL's port is listed, with a note, and not offered as a web page.
    await typeInTerminal(page, 'docker run -d --name a11ydb -e POSTGRES_PASSWORD=secret -p 5432 postgres:15');
    await waitForQuietPrompt(page, 60_000);
    await page.getByRole('tab', { name: /^Preview/ }).click();
    const ports = page.locator('[data-ports-list]');
    await waitUntil('the database port', async () => /a11ydb:5432\): PostgreSQL, not a web page/.test(await ports.innerText()), 20_000);
    expect(await ports.getByRole('button').count()).toBe(0);
    expect(await audit(page)).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, 'a11y-preview-1440.png') });
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await waitForQuietPrompt(page, 10_000);
    await page.screenshot({ path: path.join(artifacts, 'a11y-lesson-1440.png') });
    await context.close();
  });

  it('reaches the terminal with the skip link, leaves it with Escape then Tab, and resizes the columns by keyboard', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await openLesson(context, env.test.url);

    // From the top of the page (nothing focused yet): the second Tab stop is "Skip to terminal".
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to terminal');
    await page.keyboard.press('Enter');
    await waitUntil('the focus in the terminal', () => focusInTerminal(page), 5_000);
    const describedBy = await page.evaluate(() => document.activeElement?.getAttribute('aria-describedby'));
    expect(await page.locator(`#${describedBy}`).innerText()).toMatch(/^Press Esc then Tab to leave the terminal/);
    await page.keyboard.type('echo typed-$((6*7))');
    await page.keyboard.press('Enter');
    await waitUntil('the typed command', async () => /\ntyped-42\n/.test(await terminalText(page)), 10_000);

    // Tab alone stays in the terminal (completion); Escape then Tab leaves it, and the shell gets neither.
    await page.keyboard.type('ech');
    await page.keyboard.press('Tab');
    await waitUntil('the completed command', async () => /# echo $/.test((await terminalText(page)).trimEnd() + ' '), 10_000);
    expect(await focusInTerminal(page)).toBe(true);
    await pressAtOnce(page, [
      { key: 'Escape', code: 27 },
      { key: 'Tab', code: 9 },
    ]);
    expect(await focusInTerminal(page)).toBe(false);
    await page.locator('.terminal-host:not([hidden]) .xterm').click();
    await page.keyboard.press('Control+U'); // the Tab above may have completed something
    await page.keyboard.type('echo back-$((2+3))');
    await page.keyboard.press('Enter');
    await waitUntil('an intact command line', async () => /\nback-5\n/.test(await terminalText(page)), 10_000);
    // Escape followed by another key still reaches the program, in order. Typed once read waits
    // (its prompt shows): keys that reach bash before it runs read are not read's.
    await typeInTerminal(page, `read -r -p 'line> ' line; printf '%s' "$line" | od -An -tx1`);
    await waitUntil('read waiting for a line', async () => /\nline> $/.test((await terminalText(page)).trimEnd() + ' '), 10_000);
    await page.keyboard.press('Escape');
    await page.keyboard.type('z');
    await page.keyboard.press('Enter');
    await waitUntil('the escape byte', async () => /\n\s*1b 7a\s*\n/.test(await terminalText(page)), 10_000);
    await waitForQuietPrompt(page);

    // The separator: focusable, arrow keys move it, the terminal refits, and the width is remembered.
    const separator = page.getByRole('separator', { name: 'Lesson and sandbox width' });
    await separator.focus();
    const before = Number(await separator.getAttribute('aria-valuenow'));
    const widthBefore = await screenWidth(page);
    for (let press = 0; press < 5; press++) await page.keyboard.press('ArrowLeft');
    expect(Number(await separator.getAttribute('aria-valuenow'))).toBe(before - 10);
    await waitUntil('a wider terminal', async () => (await screenWidth(page)) > widthBefore + 60, 5_000);
    await page.keyboard.press('Home');
    expect(await separator.getAttribute('aria-valuenow')).toBe(await separator.getAttribute('aria-valuemin'));
    await page.keyboard.press('ArrowRight');
    const chosen = await separator.getAttribute('aria-valuenow');
    await page.reload();
    await waitUntil('the remembered width', async () => (await separator.getAttribute('aria-valuenow')) === chosen, 10_000);
    await waitUntil('the sandbox prompt again', async () => /root@sandbox/.test(await terminalText(page)), 60_000);
    await page.screenshot({ path: path.join(artifacts, 'a11y-lesson-1440-narrow-text.png') });
    await context.close();
  });

  it('folds the sandbox away on a phone, so the check results show', async () => {
    const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await openLesson(context, env.test.url);
    await page.screenshot({ path: path.join(artifacts, 'a11y-lesson-390.png') });
    expect(await audit(page)).toEqual([]);

    const toggle = page.getByRole('button', { name: 'Sandbox panel', exact: true });
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('#sandbox-body').isVisible()).toBe(false);

    // The first step's Check and its result are not under the folded column.
    const step = page.getByRole('region', { name: /^Step 1:/ });
    await step.getByRole('button', { name: 'Check', exact: true }).click();
    const status = step.getByRole('status');
    await waitUntil('a check result', async () => !/Not checked yet|Checking/.test(await status.innerText()), 30_000);
    const folded = await page.locator('[data-terminal-panel]').boundingBox();
    expect(folded?.height).toBeLessThan(844 * 0.2);
    // Scrolled to just above the folded column: the result is what is there, not the column.
    await status.evaluate((element) => element.scrollIntoView({ block: 'end' }));
    await page.evaluate((height) => window.scrollBy(0, height), folded?.height ?? 0);
    const covered = await status.evaluate((element) => {
      const box = element.getBoundingClientRect();
      const atCentre = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      return !element.contains(atCentre);
    });
    expect(covered).toBe(false);
    await page.screenshot({ path: path.join(artifacts, 'a11y-lesson-390-folded.png') });
    expect(await audit(page)).toEqual([]);

    // Run unfolds it again.
    await step.getByRole('button', { name: 'Run', exact: true }).first().click();
    await waitUntil('the unfolded column', async () => (await toggle.getAttribute('aria-expanded')) === 'true', 5_000);
    await waitForQuietPrompt(page, 60_000);
    await context.close();
  });
});
