import { describe, expect, it } from 'vitest';
import { EARLY_SESSION_GLOBAL, earlySessionScript, takeEarlySession } from './early-session.ts';
import { whenShown } from './prerender.ts';

const key = 'k'.repeat(43);

/** Runs the inline script as the browser would, with this address, stored key and fetch; returns what it left. */
function runScript(
  pathname: string,
  stored: string | null,
  fetchImpl: (url: string, init: RequestInit) => Promise<Response>,
  document?: PrerenderedDocument,
) {
  const scope: Record<string, unknown> = {};
  const window = { ...scope, document, localStorage: { getItem: (name: string) => (name === 'dockyard.learner' ? stored : null) } } as Record<string, unknown>;
  new Function('window', 'location', 'fetch', earlySessionScript)(window, { pathname }, fetchImpl);
  return window;
}

/** A page being prerendered, shown when `show` is called (as Chromium fires prerenderingchange). */
class PrerenderedDocument {
  prerendering = true;
  private readonly listeners: (() => void)[] = [];
  addEventListener(type: string, listener: () => void, options: { once: boolean }) {
    expect([type, options.once]).toEqual(['prerenderingchange', true]);
    this.listeners.push(listener);
  }
  show() {
    this.prerendering = false;
    for (const listener of this.listeners.splice(0)) listener();
  }
}

const answering = (status: number, body: unknown, calls: [string, RequestInit][] = []) => async (url: string, init: RequestInit) => {
  calls.push([url, init]);
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
};

describe('the lesson page’s inline session request', () => {
  it('asks for the sandbox of the lesson in the address with the stored learner key, and hands the answer over once', async () => {
    const calls: [string, RequestInit][] = [];
    const starting = { position: 2, waiting: 2, running: 1, slots: 1, pollMs: 100 };
    const scope = runScript('/lessons/postgres-in-a-container/', key, answering(202, { starting }, calls));
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]).toBe('/api/sessions');
    expect(calls[0]![1]).toMatchObject({ method: 'POST', headers: { 'x-dockyard-learner': key } });
    expect(JSON.parse(calls[0]![1].body as string)).toEqual({ lesson: 'postgres-in-a-container', move: false });
    expect(await takeEarlySession('postgres-in-a-container', scope)).toEqual({ starting });
    expect(scope[EARLY_SESSION_GLOBAL]).toBeUndefined();
    expect(takeEarlySession('postgres-in-a-container', scope)).toBeUndefined();
  });

  it('leaves the asking to the page without a key, on another address, or for another lesson', async () => {
    for (const [pathname, stored] of [
      ['/lessons/postgres-in-a-container/', null],
      ['/lessons/postgres-in-a-container/', 'short'],
      ['/', key],
      ['/lessons/../api/', key],
    ] as const) {
      const calls: [string, RequestInit][] = [];
      const scope = runScript(pathname, stored, answering(201, {}, calls));
      expect(calls, pathname).toHaveLength(0);
      expect(takeEarlySession('postgres-in-a-container', scope)).toBeUndefined();
    }
    const scope = runScript('/lessons/docker-compose', key, answering(201, {}));
    expect(takeEarlySession('postgres-in-a-container', scope)).toBeUndefined();
  });

  it('turns a failed request or an answer outside the contract into an error the page shows', async () => {
    const failed = runScript('/lessons/docker-compose/', key, async () => {
      throw new TypeError('offline');
    });
    expect(await takeEarlySession('docker-compose', failed)).toMatchObject({ error: { code: 'internal', message: /Could not reach/ } });
    const garbled = runScript('/lessons/docker-compose/index.html', key, async () => new Response('<html>', { status: 502 }));
    expect(await takeEarlySession('docker-compose', garbled)).toMatchObject({ error: { code: 'internal', message: /HTTP 502/ } });
  });

  it('asks only once a prerendered page is shown, and the page module after it', async () => {
    const calls: [string, RequestInit][] = [];
    const document = new PrerenderedDocument();
    const scope = runScript('/lessons/docker-compose/', key, answering(201, { sessionId: 'x' }, calls), document);
    const moduleAsked: unknown[] = [];
    whenShown(() => moduleAsked.push(takeEarlySession('docker-compose', scope)), document);
    expect(calls).toHaveLength(0);
    expect(moduleAsked).toHaveLength(0);
    document.show();
    expect(calls).toHaveLength(1);
    expect(moduleAsked).toHaveLength(1);
    expect(moduleAsked[0]).toBeInstanceOf(Promise);
  });

  it('runs at once on a page that was not prerendered', () => {
    let ran = 0;
    whenShown(() => ran++, { prerendering: false, addEventListener: () => expect.fail('no listener expected') });
    expect(ran).toBe(1);
  });
});
