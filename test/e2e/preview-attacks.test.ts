import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hashLearnerKey } from '../../sandbox-engine/src/sessions/learner-key.js';
import type { Session } from '../../sandbox-engine/src/sessions/session.js';
import { artifacts, useBrowserAndEngine } from '../support/browser-and-engine.js';
import { terminalText, typeInTerminal, waitForQuietPrompt, waitUntil } from '../support/chromium.js';
import { TestLearner } from '../support/test-learner.js';

const lesson = 'postgres-in-a-container';

/**
 * The page a malicious learner (A) serves from their sandbox and sends to others. Opened in a
 * victim's browser, it tries what used to work: open the victim's terminal over socket.io with the
 * browser's credentials and type into it, start or end sandboxes through the API, and plant A's
 * credentials (cookie and learner key) so that the victim's next lesson page joins A's sandbox.
 */
function attackPage(engine: string, attackerKey: string): string {
  return `<!doctype html><html><head><title>totally harmless app</title></head><body><h1>My app</h1><pre id="out">running</pre>
<script src="${engine}/socket.io/socket.io.js"></script>
<script>
(async () => {
  const engine = ${JSON.stringify(engine)}, lesson = ${JSON.stringify(lesson)}, attackerKey = ${JSON.stringify(attackerKey)};
  const results = {};
  const connect = (auth) => new Promise((resolve) => {
    const socket = io(engine, { auth, withCredentials: true, transports: ['websocket'], reconnection: false, forceNew: true });
    const timer = setTimeout(() => { socket.close(); resolve('no answer'); }, 8000);
    socket.on('terminal:output', (chunk) => { results.stolenOutput = (results.stolenOutput || '') + chunk.data; });
    socket.on('connect', () => {
      socket.emit('terminal:attach', { terminalId: 'main', cols: 80, rows: 24, since: 0 }, () => {
        socket.emit('terminal:input', { terminalId: 'main', clientId: 'attacker-page', seq: 1, data: 'touch /tmp/hijacked\\r' });
        clearTimeout(timer);
        setTimeout(() => { socket.close(); resolve('connected'); }, 1000);
      });
    });
    socket.on('connect_error', (error) => { clearTimeout(timer); resolve('refused: ' + error.message); });
  });
  const call = async (url, init) => {
    try { const response = await fetch(url, init); return 'HTTP ' + response.status; } catch (error) { return 'blocked: ' + error.message; }
  };
  results.socketAsVictim = await connect({ lesson });
  results.socketWithAttackerKey = await connect({ lesson, learner: attackerKey });
  results.jsonPost = await call(engine + '/api/sessions', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json', 'x-dockyard-learner': attackerKey }, body: JSON.stringify({ lesson }) });
  results.simplePost = await call(engine + '/api/sessions', { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ lesson }) });
  results.endVictim = await call(engine + '/api/sessions/' + lesson, { method: 'DELETE', credentials: 'include' });
  document.cookie = 'dyl_postgres_in_a_container=planted; path=/';
  document.cookie = 'x-dockyard-learner=' + attackerKey + '; path=/';
  localStorage.setItem('dockyard.learner', attackerKey);
  results.planted = true;
  document.getElementById('out').textContent = JSON.stringify(results, null, 2);
  document.body.dataset.done = '1';
})();
</script></body></html>`;
}

async function runAttack(page: Page, url: string): Promise<Record<string, string | boolean>> {
  await page.goto(url);
  await page.waitForSelector('body[data-done="1"]', { timeout: 60_000 });
  return JSON.parse(await page.locator('#out').innerText()) as Record<string, string | boolean>;
}

describe('a learner app in the preview cannot act as another learner', () => {
  const env = useBrowserAndEngine();

  it('refuses the terminal hijack and the session fixation from a real preview page', async () => {
    const { engine } = env.test;
    const site = env.test.url.replace(/\/$/, '');

    // Learner A (the attacker) serves the page from a container in their own sandbox.
    const attacker = new TestLearner(env.test.url, lesson);
    expect((await attacker.startSession()).status).toBe(201);
    const attackerSession = engine.sessions.get(attacker.sessionId!)!;
    const shell = (session: Session, command: string) =>
      engine.sessions.shellFor(session).run(command, { timeoutMs: 60_000, signal: AbortSignal.timeout(65_000) });
    const html = Buffer.from(attackPage(site, attacker.learnerKey)).toString('base64');
    const served = await shell(
      attackerSession,
      `echo ${html} | base64 -d > /root/app.html && docker run -d -p 8080 -v /root/app.html:/app.html:ro --name web postgres:15 perl -MIO::Socket::INET -e '` +
        `open(my $f, "<", "/app.html") or die; my $body = do { local $/; <$f> }; ` +
        `my $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die; ` +
        `while (my $c = $s->accept) { while (my $l = <$c>) { last if $l =~ /^\\r?\\n$/ } ` +
        `print $c "HTTP/1.0 200 OK\\r\\nContent-Type: text/html\\r\\nContent-Length: " . length($body) . "\\r\\n\\r\\n$body"; close $c }'`,
    );
    expect(served.exitCode, served.stderr).toBe(0);
    const ports = await attacker.waitForPorts();
    const attackUrl = `http://127.0.0.1:${ports.previewPort}${ports.ports[0]!.previewPath}`;
    await waitUntil('the attacker app answering', async () => (await fetch(attackUrl)).ok, 30_000);

    // Learner B works in their lesson; then opens A's app in another tab of the same browser.
    const context = await env.browser.newContext({ viewport: { width: 1300, height: 850 } });
    const victim = await context.newPage();
    await victim.goto(`${site}/lessons/${lesson}/`);
    await waitUntil('the victim prompt', async () => /root@sandbox/.test(await terminalText(victim)), 120_000);
    await waitForQuietPrompt(victim);
    await typeInTerminal(victim, 'echo "victim-secret-$((6*7))"');
    await waitUntil('the victim output', async () => /victim-secret-42/.test(await terminalText(victim)));
    const victimSession = engine.sessions.list().find((session) => session.id !== attacker.sessionId)!;
    expect(victimSession).toBeDefined();

    const attackTab = await context.newPage();
    const results = await runAttack(attackTab, attackUrl);
    await attackTab.screenshot({ path: path.join(artifacts, 'preview-attack-refused.png'), fullPage: true });
    // Refused on the socket (origin and credentials) and on the API; nothing of B's terminal leaked.
    expect(results.socketAsVictim).toMatch(/^refused/);
    expect(results.socketWithAttackerKey).toMatch(/^refused/);
    expect(results.jsonPost).not.toMatch(/^HTTP 2/);
    expect(results.simplePost).not.toMatch(/^HTTP 2/);
    expect(results.endVictim).not.toMatch(/^HTTP 2/);
    expect(String(results.stolenOutput ?? '')).not.toContain('victim-secret');

    // Evidence in the sandboxes: nothing was typed into B's shell; B's sandbox still runs; no sandbox was started.
    expect((await shell(victimSession, 'test -e /tmp/hijacked && echo yes || echo no')).stdout.trim()).toBe('no');
    expect(engine.sessions.get(victimSession.id)).toBe(victimSession);
    expect(engine.sessions.list()).toHaveLength(2);

    // B's page reloads into B's own sandbox: the planted cookie and key changed nothing for the site.
    await victim.reload();
    await waitUntil('the victim replay', async () => /victim-secret-42/.test(await terminalText(victim)), 60_000);
    expect(engine.sessions.list()).toHaveLength(2);

    // Fixation: a fresh browser (C) visits A's app first, then the lesson: C gets a sandbox of its own.
    const freshContext = await env.browser.newContext({ viewport: { width: 1300, height: 850 } });
    const fresh = await freshContext.newPage();
    const planted = await runAttack(fresh, attackUrl);
    expect(planted.planted).toBe(true);
    await fresh.goto(`${site}/lessons/${lesson}/`);
    await waitUntil('the fresh learner prompt', async () => /root@sandbox/.test(await terminalText(fresh)), 120_000);
    await waitForQuietPrompt(fresh);
    await typeInTerminal(fresh, 'echo "typed-by-c-$((7*11))"');
    await waitUntil('the fresh learner output', async () => /typed-by-c-77/.test(await terminalText(fresh)));
    await fresh.screenshot({ path: path.join(artifacts, 'preview-fixation-refused.png') });
    const freshKey = await fresh.evaluate(() => localStorage.getItem('dockyard.learner'));
    expect(freshKey).not.toBe(attacker.learnerKey);
    const freshSession = engine.sessions.forLearner(hashLearnerKey(freshKey!))!;
    expect(freshSession.id).not.toBe(attacker.sessionId);
    // A's own terminal never shows what C typed.
    await attacker.connect();
    await attacker.attach(0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(attacker.output).not.toContain('typed-by-c');
    attacker.disconnect();

    await context.close();
    await freshContext.close();
    for (const session of engine.sessions.list()) await engine.sessions.destroy(session, 'ended');
  });
});
