import { describe, expect, it } from 'vitest';
import { terminalText, typeInTerminal, waitForQuietPrompt, waitUntil } from '../support/chromium.js';
import { useBrowserAndEngine } from '../support/browser-and-engine.js';

/**
 * The page's side of flow control and input pacing in a real browser: output far beyond the engine's
 * window arrives whole because xterm's write callbacks acknowledge it, and a paste beyond the
 * engine's input burst arrives whole because the page paces it.
 */
describe('terminal flow in Chromium', () => {
  const env = useBrowserAndEngine();

  it('shows megabytes of output and takes a big paste on one connection', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1200, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(`${env.test.url}/lessons/postgres-in-a-container/`);
    await waitUntil('the sandbox prompt', async () => /root@sandbox/.test(await terminalText(page)), 60_000);

    // About 1.3 MB of output: five times the engine's window, so the page must acknowledge as it writes.
    await typeInTerminal(page, 'seq 1 200000; echo "flow-$((6*7))-done"');
    await waitUntil('the end of the output', async () => /flow-42-done/.test(await terminalText(page)), 60_000);
    await waitForQuietPrompt(page);

    // A 1.6 MB paste: beyond the engine's 1 MiB input burst, so the page must pace it.
    const lines = 16_000;
    await typeInTerminal(page, 'stty -echo; cat > /tmp/paste; stty echo; echo "pasted=$(wc -c < /tmp/paste)"');
    await page.waitForTimeout(300);
    const text = Array.from({ length: lines }, () => 'p'.repeat(99)).join('\n') + '\n';
    await page.evaluate((value) => navigator.clipboard.writeText(value), text);
    await page.keyboard.press('Control+V');
    await page.keyboard.press('Control+D');
    await waitUntil('the pasted size', async () => new RegExp(`pasted=${lines * 100}\\b`).test(await terminalText(page)), 60_000);

    // No stall, no flood: the page never had to reconnect.
    expect(sockets.filter((url) => url.includes('/socket.io/'))).toHaveLength(1);
    await context.close();
  });
});
