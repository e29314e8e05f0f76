import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { waitUntil } from './wait-for.js';

export { waitUntil };

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, with the flags this closed network needs. Fails clearly when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM} (npm test installs Debian's chromium package)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * The shown terminal's text as the DOM renderer shows it. A lesson page holds one xterm per
 * terminal tab; the hidden ones sit in `[hidden]` hosts.
 */
export const terminalText = (page: Page) => page.locator('.terminal-host:not([hidden]) .xterm-rows').innerText();

/** Waits until the terminal shows a prompt at its end and has stopped changing. */
export async function waitForQuietPrompt(page: Page, timeoutMs = 60_000): Promise<void> {
  let previous = '';
  let stableSince = Date.now();
  await waitUntil('a quiet prompt in the terminal', async () => {
    const text = (await terminalText(page)).replace(/\s+$/, '');
    if (text !== previous) {
      previous = text;
      stableSince = Date.now();
      return false;
    }
    // The sandbox's shell, a shell inside a container (root@<id>:/#), or psql (hartl=#).
    return /(root@[\w-]+:[^\n]*#|\w+=#)$/.test(text) && Date.now() - stableSince > 400;
  }, timeoutMs);
}

/** Types a command line into the shown terminal and presses Enter. */
export async function typeInTerminal(page: Page, line: string): Promise<void> {
  await page.locator('.terminal-host:not([hidden]) .xterm').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}
