import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const lesson = 'postgres-in-a-container';

describe('workspace: files and port preview', () => {
  let test: TestEngine;
  let learner: TestLearner;
  let other: TestLearner;
  const api = (who: TestLearner, path: string, init: RequestInit = {}) =>
    fetch(new URL(`/api/workspace/${lesson}${path}`, test.url), {
      ...init,
      headers: { ...who.headers, ...(init.headers ?? {}) },
    });
  const run = (command: string) => {
    const session = test.engine.sessions.get(learner.sessionId!)!;
    return test.engine.sessions.shellFor(session).run(command, { timeoutMs: 60_000, signal: AbortSignal.timeout(65_000) });
  };

  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine();
    learner = new TestLearner(test.url, lesson);
    other = new TestLearner(test.url, lesson);
    expect((await learner.startSession()).status).toBe(201);
    expect((await other.startSession()).status).toBe(201);
  });
  afterAll(async () => test && (await test[Symbol.asyncDispose]()));

  it('writes a file the shell sees at once, and reads back what the shell changed', async () => {
    const saved = await api(learner, '/file', { method: 'PUT', body: JSON.stringify({ path: 'web/Dockerfile', content: 'FROM postgres:15\n' }) });
    expect(saved.status).toBe(200);
    const { data } = (await saved.json()) as { data: { mtimeMs: number } };
    expect((await run('cat /root/web/Dockerfile')).stdout).toBe('FROM postgres:15\n');

    const listing = (await (await api(learner, '/list?path=web')).json()) as { data: { entries: { name: string; type: string }[] } };
    expect(listing.data.entries).toContainEqual(expect.objectContaining({ name: 'Dockerfile', type: 'file' }));

    // Changed from the terminal: a save based on the old version is refused, a reopen shows the new content.
    await run('sleep 0.05; echo "EXPOSE 80" >> /root/web/Dockerfile');
    const conflict = await api(learner, '/file', {
      method: 'PUT',
      body: JSON.stringify({ path: 'web/Dockerfile', content: 'FROM postgres:15\nCMD x\n', baseMtimeMs: data.mtimeMs }),
    });
    expect(conflict.status).toBe(409);
    const reopened = (await (await api(learner, '/file?path=web/Dockerfile')).json()) as { data: { content: string; readOnly: boolean } };
    expect(reopened.data).toMatchObject({ content: 'FROM postgres:15\nEXPOSE 80\n', readOnly: false });
  });

  it('refuses paths outside the working directory, oversized writes, and other sessions', async () => {
    for (const path of ['../etc/passwd', '/../../etc/shadow', 'a/../../x']) {
      const read = await api(learner, `/file?path=${encodeURIComponent(path)}`);
      expect(read.status, path).toBe(403);
    }
    await run('ln -sfn /etc /root/etc-link');
    expect((await api(learner, '/file?path=etc-link/passwd')).status).toBe(403);
    const write = await api(learner, '/file', { method: 'PUT', body: JSON.stringify({ path: '../tmp/x', content: 'x' }) });
    expect(write.status).toBe(403);
    expect((await api(learner, '/file', { method: 'PUT', body: JSON.stringify({ path: 'etc-link/evil', content: 'x' }) })).status).toBe(403);
    expect((await run('test -e /etc/evil; echo $?')).stdout.trim()).toBe('1');

    const big = await api(learner, '/file', { method: 'PUT', body: JSON.stringify({ path: 'big.txt', content: 'x'.repeat(600 * 1024) }) });
    expect(big.status).toBe(413);
    const huge = await api(learner, '/file', { method: 'PUT', body: JSON.stringify({ path: 'big.txt', content: 'x'.repeat(3 * 1024 * 1024) }) });
    expect(huge.status).toBe(413);

    await run('head -c 700000 /dev/urandom > /root/large.bin; printf "a\\0b" > /root/small.bin');
    expect(((await (await api(learner, '/file?path=large.bin')).json()) as { data: { readOnly: boolean } }).data.readOnly).toBe(true);
    const binary = (await (await api(learner, '/file?path=small.bin')).json()) as { data: { readOnly: boolean; notice: string } };
    expect(binary.data).toMatchObject({ readOnly: true, notice: expect.stringMatching(/binary/) });

    // The other learner's key opens the other learner's files only.
    expect(((await (await api(other, '/list?path=')).json()) as { data: { entries: { name: string }[] } }).data.entries.map((e) => e.name)).not.toContain('web');
    expect((await fetch(new URL(`/api/workspace/${lesson}/list`, test.url))).status).toBe(404);
  });

  it('previews a published port through its session token only', async () => {
    const started = await run(
      `docker run -d -p 8080 --name web postgres:15 perl -MIO::Socket::INET -e '` +
        `my $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die; ` +
        `while (my $c = $s->accept) { my $h = ""; while (my $l = <$c>) { last if $l =~ /^\\r?\\n$/; $h .= $l } ` +
        `print $c "HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nSet-Cookie: dyl_postgres_in_a_container=tossed\\r\\nSet-Cookie: app=1\\r\\n\\r\\nhello from the sandbox $h"; close $c }'`,
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const list = await learner.waitForPorts();
    const port = list.ports.find((p) => p.container === 'web')!;
    expect(port).toMatchObject({ containerPort: 8080, protocol: 'tcp' });
    const preview = (path: string) => fetch(`http://127.0.0.1:${list.previewPort}${path}`);
    let page = await preview(`${port.previewPath}greeting?x=1`);
    for (let i = 0; i < 50 && page.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      page = await preview(`${port.previewPath}greeting?x=1`);
    }
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/hello from the sandbox GET \/greeting\?x=1/);

    // The app never sees our cookies (the preview shares the host name with the site), nor sets them.
    const withCookies = await fetch(`http://127.0.0.1:${list.previewPort}${port.previewPath}`, {
      headers: { cookie: 'dyl_old=1; dyp=x; app=1' },
    });
    const echoed = await withCookies.text();
    expect(echoed).toMatch(/cookie: app=1/i);
    expect(echoed).not.toMatch(/dyl_|dyp=/);
    const setCookies = withCookies.headers.getSetCookie();
    expect(setCookies.some((line) => line.startsWith('dyl_'))).toBe(false);
    expect(setCookies.some((line) => line.startsWith('app=1'))).toBe(true);
    expect(setCookies.some((line) => line.startsWith('dyp='))).toBe(true);

    // Another session's token, a wrong token, and a port nobody publishes give nothing.
    const otherToken = await other.ports();
    const otherSession = test.engine.sessions.get(other.sessionId!)!;
    expect((await preview(`/${otherSession.previewToken}/${port.hostPort}/`)).status).toBe(404);
    expect(otherToken.ports).toEqual([]);
    expect((await preview(`/${'x'.repeat(32)}/${port.hostPort}/`)).status).toBe(404);
    const token = port.previewPath.split('/')[1];
    expect((await preview(`/${token}/${test.engine.config.REGISTRY_PORT}/v2/`)).status).toBe(404);
    expect((await preview(`/${token}/2375/`)).status).toBe(404);
    expect((await preview('/')).status).toBe(404);
  });
});
