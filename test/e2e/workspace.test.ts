import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { terminalText, typeInTerminal, waitForQuietPrompt, waitUntil } from '../support/chromium.js';
import { artifacts, useBrowserAndEngine } from '../support/browser-and-engine.js';


/** A tiny HTTP server in Perl (postgres:15 has perl and nothing smaller that serves HTTP). */
const SERVER_PL = [
  'use IO::Socket::INET;',
  '$| = 1;',
  '# postgres:15 stops with SIGINT; docker stop sends that, plain docker kill sends TERM.',
  '$SIG{INT} = $SIG{TERM} = sub { print "server stopping\\n"; exit 0 };',
  'my $server = IO::Socket::INET->new(LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die "listen: $!";',
  'print "listening on 8080\\n";',
  'while (my $client = $server->accept) {',
  '  my $request = <$client>;',
  '  print "request: $request";',
  '  my $body = "hello from the sandbox\\n";',
  '  print $client "HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: " . length($body) . "\\r\\nConnection: close\\r\\n\\r\\n$body";',
  '  close $client;',
  '}',
  '',
].join('\n');

/** Monaco draws spaces as no-break spaces. */
const editorText = async (page: Page) => (await page.locator('.monaco-editor .view-lines').innerText()).replace(/\u00a0/g, ' ');

/** Pastes through the real clipboard, as a learner would: typed text would get auto-closed brackets. */
async function paste(page: Page, text: string): Promise<void> {
  await page.evaluate((value) => navigator.clipboard.writeText(value), text);
  await page.keyboard.press('Control+V');
}

describe('a learner uses the workspace of lesson 1 in Chromium', () => {
  const env = useBrowserAndEngine();

  it('edits files, builds and previews an app, and follows its logs in a second terminal', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    await page.goto(`${env.test.url}/lessons/postgres-in-a-container/`);
    await waitUntil('the sandbox prompt', async () => /root@sandbox/.test(await terminalText(page)), 60_000);
    const terminals = page.getByRole('group', { name: 'Terminals' });
    const terminalTab = (name: string) => terminals.getByRole('button', { name, exact: true });

    // A second terminal: its own shell, shown alone (one visible xterm at a time).
    await page.getByRole('button', { name: 'New terminal' }).click();
    await waitUntil('a second terminal tab', async () => (await terminalTab('Terminal 2').getAttribute('aria-pressed')) === 'true', 15_000);
    await waitUntil('the second prompt', async () => /root@sandbox/.test(await terminalText(page)), 30_000);
    expect(await page.locator('.terminal-host:not([hidden]) .xterm-rows').count()).toBe(1);
    await terminalTab('Terminal 1').click();

    // A stub Dockerfile from the terminal shows up in the editor's file tree.
    await typeInTerminal(page, `mkdir -p ~/web && printf 'FROM postgres:15\\n' > ~/web/Dockerfile`);
    await waitForQuietPrompt(page);
    await page.getByRole('tab', { name: 'Editor' }).click();
    const files = page.getByRole('navigation', { name: 'Files in /root' });
    await files.getByRole('button', { name: 'web' }).click();
    await files.getByRole('button', { name: 'Dockerfile' }).click();
    await waitUntil('the Dockerfile in the editor', async () => /FROM postgres:15/.test(await editorText(page)), 30_000);
    expect(await page.locator('[data-editor-host]').getAttribute('data-mode-id')).toBe('dockerfile');

    // Edit and save with Ctrl+S.
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+End');
    await paste(page, 'COPY server.pl /server.pl\nEXPOSE 8080\nCMD ["perl", "/server.pl"]\n');
    await waitUntil('the unsaved marker', () => page.locator('[data-editor-dirty]').isVisible());
    await page.keyboard.press('Control+S');
    await waitUntil('the save', async () => !(await page.locator('[data-editor-dirty]').isVisible()), 15_000);

    // A new file, created from the editor and saved with the Save button.
    await page.getByRole('button', { name: 'New file' }).click();
    await page.getByLabel('File name in /root').fill('web/server.pl');
    await page.getByRole('button', { name: 'Create' }).click();
    await waitUntil('the new file', async () => (await page.locator('[data-editor-path]').innerText()) === 'web/server.pl', 15_000);
    await page.locator('.monaco-editor .view-lines').click();
    await paste(page, SERVER_PL);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await waitUntil('the second save', async () => !(await page.locator('[data-editor-dirty]').isVisible()), 15_000);
    await waitUntil('server.pl in the tree', async () => (await files.getByRole('button', { name: 'server.pl' }).count()) === 1, 15_000);

    // Build and run it from the terminal (it stays visible below the editor).
    await typeInTerminal(page, 'cat ~/web/Dockerfile && docker build -q -t web ~/web && docker run -d -p 8080 --name web web');
    await waitUntil('the container id', async () => /\n[0-9a-f]{64}\s*\n/.test(await terminalText(page)), 120_000).catch(async (error) => {
      throw new Error(`${(error as Error).message}\nterminal:\n${(await terminalText(page)).slice(-1500)}`);
    });
    expect(await terminalText(page)).toContain('CMD ["perl", "/server.pl"]');

    // The published port opens in the preview, on another origin.
    await page.getByRole('tab', { name: /^Preview/ }).click();
    const openPort = page.getByRole('button', { name: /^Open port \d+ \(web:8080\)$/ });
    await waitUntil('the published port', async () => (await openPort.count()) === 1, 20_000);
    await openPort.click();
    const preview = page.frameLocator('iframe[data-preview-frame]');
    await waitUntil('the served page', async () => /hello from the sandbox/.test(await preview.locator('body').innerText()), 30_000);
    const url = new URL(await page.locator('[data-preview-url]').innerText());
    expect(url.origin).not.toBe(new URL(env.test.url).origin);
    expect(await page.getByRole('link', { name: 'Open in new tab' }).getAttribute('href')).toBe(url.href);
    await page.screenshot({ path: path.join(artifacts, 'workspace-preview.png') });

    // Logs followed in terminal 2 end when the container stops from terminal 1.
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await terminalTab('Terminal 2').click();
    await typeInTerminal(page, 'docker logs -f web');
    await waitUntil('the request in the logs', async () => /request: GET \/ HTTP\/1\.1/.test(await terminalText(page)), 30_000);
    await terminalTab('Terminal 1').click();
    await typeInTerminal(page, 'docker stop web');
    await waitUntil('docker stop', async () => /docker stop web\s*\nweb\s*\n/.test(await terminalText(page)), 30_000);
    await terminalTab('Terminal 2').click();
    await waitUntil('the end of the logs', async () => /server stopping\s*\nroot@sandbox:~# *$/.test((await terminalText(page)).trimEnd() + ' '), 30_000);
    await page.screenshot({ path: path.join(artifacts, 'workspace-logs.png') });

    // Both terminals survive a reload, with their output.
    await page.reload();
    await waitUntil('two terminal tabs after reload', async () => (await terminalTab('Terminal 2').count()) === 1, 30_000);
    await terminalTab('Terminal 2').click();
    await waitUntil('terminal 2 replayed', async () => /server stopping/.test(await terminalText(page)), 30_000);
    await page.getByRole('button', { name: 'Close Terminal 2' }).click();
    await waitUntil('terminal 2 closed', async () => (await terminalTab('Terminal 2').count()) === 0, 15_000);
    expect(await terminalText(page)).toContain('docker stop web');
    await context.close();
  });
});
