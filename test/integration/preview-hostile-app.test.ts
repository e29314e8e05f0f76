import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const lesson = 'postgres-in-a-container';

/**
 * A learner's app is hostile too: whatever it answers through the port preview, and however a
 * client drops a preview connection, the engine keeps serving (an uncaught exception here would end
 * the test process, as it ends the engine).
 */
describe('port preview of a hostile app', () => {
  let test: TestEngine;
  let learner: TestLearner;

  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine();
    learner = new TestLearner(test.url, lesson);
    expect((await learner.startSession()).status).toBe(201);
  });
  afterAll(async () => {
    await test?.[Symbol.asyncDispose]();
  });

  it('survives a status text and headers Node refuses, and upgrade requests reset mid-way', async () => {
    const session = test.engine.sessions.get(learner.sessionId!)!;
    const started = await test.engine.sessions.shellFor(session).run(
      `docker run -d -p 8080 --name hostile postgres:15 perl -MIO::Socket::INET -e '` +
        `my $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die; ` +
        `while (my $c = $s->accept) { my $first = <$c>; while (my $l = <$c>) { last if $l =~ /^\\r?\\n$/ } ` +
        `my $extra = $first =~ /header/ ? "X-Bad: a\\x01b\\r\\n" : ""; ` +
        `print $c "HTTP/1.1 200 O\\x7fK\\x1b[31m\\r\\n$extra" . "X-Good: fine\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nhi"; close $c }'`,
      { timeoutMs: 60_000, signal: AbortSignal.timeout(65_000) },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const list = await learner.waitForPorts();
    const previewPath = list.ports[0]!.previewPath;
    const previewUrl = `http://127.0.0.1:${list.previewPort}${previewPath}`;

    let page = await fetch(previewUrl).catch(() => undefined);
    for (let i = 0; i < 50 && page?.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      page = await fetch(previewUrl).catch(() => undefined);
    }
    for (let i = 0; i < 5; i++) {
      // A status text with control characters: passed on without it.
      page = await fetch(previewUrl);
      expect(page.status).toBe(200);
      expect(page.statusText).toMatch(/^[\x20-\x7e]*$/);
      expect(await page.text()).toBe('hi');
      expect(page.headers.get('x-good')).toBe('fine');
      // A header with a control character: refused (Node's parser) or dropped, never forwarded.
      const bad = await fetch(`${previewUrl}header`);
      expect([200, 502]).toContain(bad.status);
      expect(bad.headers.get('x-bad')).toBeNull();
    }

    // Upgrade requests whose client resets the connection while the engine looks the sandbox up.
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const socket = connect(list.previewPort, '127.0.0.1', () => {
          socket.write(`GET ${previewPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.from(String(i).padStart(16, '0')).toString('base64')}\r\n\r\n`);
          setTimeout(() => {
            socket.resetAndDestroy();
            resolve();
          }, i % 4);
        });
        socket.on('error', () => resolve());
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await fetch(new URL('/api/health', test.url))).status).toBe(200);
    expect((await fetch(previewUrl)).status).toBe(200);
  });
});

describe('port previews on host names of their own (PREVIEW_ORIGIN with a *)', () => {
  it('serves each sandbox port on its own origin, and nothing for another label', async () => {
    await requireDocker();
    await using test = await startTestEngine({ PREVIEW_ORIGIN: 'http://*.preview.localhost' });
    const learner = new TestLearner(test.url, lesson);
    const other = new TestLearner(test.url, lesson);
    expect((await learner.startSession()).status).toBe(201);
    expect((await other.startSession()).status).toBe(201);
    const session = test.engine.sessions.get(learner.sessionId!)!;
    const started = await test.engine.sessions.shellFor(session).run(
      `docker run -d -p 8080 --name web postgres:15 perl -MIO::Socket::INET -e '` +
        `my $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die; ` +
        `while (my $c = $s->accept) { my $first = <$c>; while (my $l = <$c>) { last if $l =~ /^\\r?\\n$/ } ` +
        `print $c "HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nown origin $first"; close $c }'`,
      { timeoutMs: 60_000, signal: AbortSignal.timeout(65_000) },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const list = await learner.waitForPorts();
    const port = list.ports[0]!;
    expect(port.previewUrl).toMatch(new RegExp(`^http://[0-9a-f]{32}-${port.hostPort}\\.preview\\.localhost/$`));
    const host = new URL(port.previewUrl!).host;
    // The proxy is reached on 127.0.0.1; the Host header is what a browser sends for that name.
    const get = (hostHeader: string, path = '/hello?x=1') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const socket = connect(list.previewPort, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`));
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('end', () => resolve({ status: Number(text.split(' ')[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) }));
        socket.on('error', reject);
      });
    let answer = await get(host);
    for (let i = 0; i < 50 && answer.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      answer = await get(host);
    }
    expect(answer).toMatchObject({ status: 200, body: expect.stringContaining('own origin GET /hello?x=1') });
    const otherHost = test.engine.sessions.get(other.sessionId!)!.previewHost;
    expect((await get(`${otherHost}-${port.hostPort}.preview.localhost`)).status).toBe(404);
    expect((await get(`${'0'.repeat(32)}-${port.hostPort}.preview.localhost`)).status).toBe(404);
    expect((await get(`${session.previewHost}-2375.preview.localhost`)).status).toBe(404);
    await learner.endSession();
    await other.endSession();
  });
});
