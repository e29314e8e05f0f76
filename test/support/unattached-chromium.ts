import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { CHROMIUM } from './chromium.js';

/**
 * Debian's Chromium, headless, with no DevTools client attached until asked: Chromium turns
 * prerendering off while one is (Playwright always is), so what the site's speculation rules do
 * can only be seen this way. Opens `url` in a fresh profile; the DevTools port is only read.
 */
export interface UnattachedChromium extends AsyncDisposable {
  /** The pages open now (GET /json/list: this attaches nothing). */
  pages(): Promise<{ url: string; webSocketDebuggerUrl?: string }[]>;
  /** Attaches to `page` and evaluates `expression` there (by value). */
  evaluate(page: { webSocketDebuggerUrl?: string }, expression: string): Promise<unknown>;
}

export async function launchUnattachedChromium(url: string): Promise<UnattachedChromium> {
  const profile = mkdtempSync(path.join(tmpdir(), 'dockyard-chromium-profile-'));
  const browser = spawn(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--window-size=1280,800', '--remote-debugging-port=0', `--user-data-dir=${profile}`, url],
    // A group of its own: the kill ends its renderers too, before the profile is removed.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const close = async () => {
    // Chromium's singleton socket lives in a directory of its own under /tmp, which a killed
    // Chromium leaves behind: the profile's link says which.
    const singleton = singletonDirectory(profile);
    if (browser.exitCode === null && browser.signalCode === null) {
      const exited = new Promise((resolve) => browser.once('exit', resolve));
      process.kill(-browser.pid!, 'SIGKILL');
      await exited;
    }
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    if (singleton) rmSync(singleton, { recursive: true, force: true });
  };
  let port: number;
  try {
    port = await devToolsPort(browser);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    async pages() {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string; url: string; webSocketDebuggerUrl?: string }[];
      return targets.filter((target) => target.type === 'page');
    },
    evaluate: (page, expression) => {
      if (!page.webSocketDebuggerUrl) throw new Error('the page has no DevTools address');
      return evaluateOver(page.webSocketDebuggerUrl, expression);
    },
    [Symbol.asyncDispose]: close,
  };
}

/** The /tmp/org.chromium.Chromium.* directory a running Chromium's profile links its singleton socket to, if any. */
function singletonDirectory(profile: string): string | undefined {
  try {
    const target = path.dirname(readlinkSync(path.join(profile, 'SingletonSocket')));
    return path.basename(target).startsWith('org.chromium.Chromium.') && path.dirname(target) === tmpdir() ? target : undefined;
  } catch {
    return undefined;
  }
}

/** Chromium's DevTools port, from the line it prints on stderr. */
function devToolsPort(browser: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`Chromium printed no DevTools address: ${text.slice(-500)}`)), 30_000);
    browser.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const found = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(text);
      if (found) {
        clearTimeout(timer);
        resolve(Number(found[1]));
      }
    });
    browser.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited (${code}): ${text.slice(-500)}`));
    });
  });
}

async function evaluateOver(socketUrl: string, expression: string): Promise<unknown> {
  const socket = new WebSocket(socketUrl);
  try {
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression, returnByValue: true } }));
    const reply = await new Promise<{ result?: { result?: { value?: unknown }; exceptionDetails?: { text?: string } } }>((resolve, reject) => {
      socket.once('message', (data) => resolve(JSON.parse(String(data))));
      socket.once('error', reject);
    });
    if (reply.result?.exceptionDetails) throw new Error(`evaluate failed: ${reply.result.exceptionDetails.text}`);
    return reply.result?.result?.value;
  } finally {
    socket.close();
  }
}
