import type { Browser, BrowserContext, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUCTOR_COOKIE, type ClassSummary, type ClassTable, type InstructorClientEvents, type InstructorServerEvents } from '../../sandbox-engine/src/contracts/instructor.js';
import type { Result } from '../../sandbox-engine/src/contracts/session.js';
import { hashLearnerKey } from '../../sandbox-engine/src/sessions/learner-key.js';
import { launchChromium, waitUntil } from '../support/chromium.js';
import { instanceResources, requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const PASSWORD = 'instructor passphrase under attack';
const LESSON = 'postgres-in-a-container';
type InstructorSocket = Socket<InstructorServerEvents, InstructorClientEvents>;

/**
 * The page a learner's app serves in the port preview (same host name as the site, another port),
 * opened by the instructor: it tries the instructor API and socket with the browser's cookie, and
 * plants a cookie of the instructor's name.
 */
function attackPage(site: string): string {
  return `<!doctype html><html><head><title>my app</title></head><body><pre id="out">running</pre>
<script src="${site}/socket.io/socket.io.js"></script>
<script>
(async () => {
  const site = ${JSON.stringify(site)};
  const results = {};
  const call = async (path, init) => {
    try { const response = await fetch(site + path, { credentials: 'include', ...init }); return 'HTTP ' + response.status + ' ' + (await response.text()).slice(0, 200); }
    catch (error) { return 'blocked: ' + error.message; }
  };
  results.classes = await call('/api/instructor/classes');
  results.create = await call('/api/instructor/classes', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"name":"made by the preview"}' });
  results.logout = await call('/api/instructor/logout', { method: 'POST', mode: 'no-cors' });
  for (const transport of ['websocket', 'polling']) {
    results['socket-' + transport] = await new Promise((resolve) => {
      const socket = io(site + '/instructor', { withCredentials: true, transports: [transport], reconnection: false, forceNew: true });
      const timer = setTimeout(() => { socket.close(); resolve('no answer'); }, 8000);
      socket.on('connect', () => { clearTimeout(timer); socket.close(); resolve('connected'); });
      socket.on('connect_error', (error) => { clearTimeout(timer); socket.close(); resolve('refused: ' + error.message); });
    });
  }
  document.cookie = '${INSTRUCTOR_COOKIE}=planted-by-the-preview; path=/api/instructor';
  document.getElementById('out').textContent = JSON.stringify(results, null, 2);
  document.body.dataset.done = '1';
})();
</script></body></html>`;
}

/** A perl server in the learner's sandbox: /echo answers the request's headers (what the app can read) and sets cookies of our names; / serves the attack page. */
function hostileApp(html: string): string {
  const page = Buffer.from(html).toString('base64');
  return (
    `echo ${page} | base64 -d > /root/app.html && docker run -d -p 8080 -v /root/app.html:/app.html:ro --name web postgres:15 perl -MIO::Socket::INET -e '` +
    `open(my $f, "<", "/app.html") or die; my $body = do { local $/; <$f> }; ` +
    `my $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die; ` +
    `while (my $c = $s->accept) { my $first = <$c>; my $h = ""; while (my $l = <$c>) { last if $l =~ /^\\r?\\n$/; $h .= $l } ` +
    `if ($first =~ m{^GET /echo}) { print $c "HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nSet-Cookie: ${INSTRUCTOR_COOKIE}=tossed; Path=/\\r\\nSet-Cookie: app=2; Path=/\\r\\n\\r\\nheaders the app read:\\n$h" } ` +
    `else { print $c "HTTP/1.0 200 OK\\r\\nContent-Type: text/html\\r\\nContent-Length: " . length($body) . "\\r\\n\\r\\n$body" } close $c }'`
  );
}

/** Signs the browser in from a page of the site (a real same-origin fetch, so the browser keeps the cookie). */
async function signIn(page: Page, site: string): Promise<void> {
  await page.goto(`${site}/api/health`);
  const status = await page.evaluate(
    async (password) => (await fetch('/api/instructor/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) })).status,
    PASSWORD,
  );
  expect(status).toBe(204);
}

/** The instructor API as the site's own page calls it. */
const fromSite = (page: Page, path: string) =>
  page.evaluate(async (target) => {
    const response = await fetch(target);
    return { status: response.status, body: (await response.json()) as { data?: unknown } };
  }, path);

const instructorToken = async (context: BrowserContext) => (await context.cookies()).filter((cookie) => cookie.name === INSTRUCTOR_COOKIE).map((cookie) => cookie.value);

describe('attacks on the instructor area from a learner', () => {
  let test: TestEngine;
  let browser: Browser;
  let site: string;

  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine({ INSTRUCTOR_PASSWORD: PASSWORD });
    browser = await launchChromium();
    site = test.url.replace(/\/$/, '');
  });
  afterAll(async () => {
    await browser?.close();
    await test?.[Symbol.asyncDispose]();
    if (test) expect(await instanceResources(test.instance)).toMatchObject({ containers: 0, volumes: 0, mounts: 0, clones: 0 });
  });

  it("gives a learner's app in the preview nothing of the instructor's session when the instructor opens it", async () => {
    const attacker = new TestLearner(test.url, LESSON);
    expect((await attacker.startSession()).status).toBe(201);
    const session = test.engine.sessions.get(attacker.sessionId!)!;
    const started = await test.engine.sessions.shellFor(session).run(hostileApp(attackPage(site)), { timeoutMs: 120_000, signal: AbortSignal.timeout(125_000) });
    expect(started.exitCode, started.stderr).toBe(0);
    const ports = await attacker.waitForPorts();
    const app = `http://127.0.0.1:${ports.previewPort}${ports.ports[0]!.previewPath}`;
    await waitUntil('the app answering', async () => (await fetch(`${app}echo`)).ok, 30_000);

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await signIn(page, site);
      const [token] = await instructorToken(context);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // A cookie of the app's own, for the same host name: proof that the browser sends cookies there.
      await context.addCookies([{ name: 'app', value: '1', domain: '127.0.0.1', path: '/' }]);

      // The instructor follows the link the learner shared.
      const preview = await context.newPage();
      await preview.goto(`${app}echo`);
      const seen = await preview.innerText('body');
      expect(seen).toMatch(/^cookie: app=1$/im);
      expect(seen).not.toContain(INSTRUCTOR_COOKIE);
      expect(seen).not.toContain(token);
      // ...and the app's own Set-Cookie of the instructor's name never reached the browser.
      expect(await instructorToken(context)).toEqual([token]);

      // The app's page uses the browser's cookie: refused (other origin), and it changed nothing.
      await preview.goto(app);
      await preview.waitForSelector('body[data-done="1"]', { timeout: 60_000 });
      const results = JSON.parse(await preview.locator('#out').innerText()) as Record<string, string>;
      expect(results.classes).toMatch(/^(blocked|HTTP 403)/);
      expect(results['socket-websocket']).toMatch(/^refused/);
      expect(results['socket-polling']).toMatch(/^refused/);
      expect(await fromSite(page, '/api/instructor/status')).toEqual({ status: 200, body: { data: { configured: true, signedIn: true } } });
      const classes = await fromSite(page, '/api/instructor/classes');
      expect(classes.status).toBe(200);
      expect((classes.body.data as ClassSummary[]).map((entry) => entry.name)).not.toContain('made by the preview');
      // The stolen-cookie path: a client without Origin (the learner's own curl) holding only what the app saw.
      const replay = await fetch(`${site}/api/instructor/classes`, { headers: { cookie: seen.match(/^cookie: (.*)$/im)?.[1] ?? '' } });
      expect(replay.status).toBe(401);
    } finally {
      await context.close();
      await attacker.endSession();
    }
  });

  it("shows a hostile learner's name and failure message as text on the instructor's page", async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const hostile = new TestLearner(test.url, LESSON);
    try {
      const page = await context.newPage();
      await signIn(page, site);
      const created = await page.evaluate(async () => {
        const response = await fetch('/api/instructor/classes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Hostile' }) });
        return ((await response.json()) as { data: ClassSummary }).data;
      });
      const name = '<img src=x onerror="window.pwned=1">';
      const joined = await fetch(new URL('/api/classes/join', test.url), { method: 'POST', headers: hostile.headers, body: JSON.stringify({ code: created.code, displayName: name }) });
      expect(joined.status).toBe(200);
      // A failure message holds whatever the learner's commands printed.
      await test.engine.progress.recordAttempt({
        learner: hashLearnerKey(hostile.learnerKey),
        lesson: LESSON,
        step: 'start-the-database',
        passed: false,
        failedChecks: ['container db running'],
        message: 'Last output:\n<script>window.pwned=2</script><img src=x onerror="window.pwned=3">',
        at: new Date(),
        durationMs: 10,
      });
      await page.goto(`${site}/instructor#class=${created.id}`);
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
      await waitUntil('the hostile row', async () => (await row.count()) === 1, 30_000);
      expect(await row.getByRole('rowheader').innerText()).toBe(name);
      expect(await row.innerText()).toContain('<script>window.pwned=2</script>');
      expect(await page.locator('[data-class-table] img, [data-class-table] script').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    } finally {
      await context.close();
    }
  });

  it("counts a learner's failed checks in the live table and the CSV from summaries, never reading every attempt", async () => {
    const login = await fetch(new URL('/api/instructor/login', test.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const info = await test.engine.progress.createClass('Checkers');
    const learner = new TestLearner(test.url, LESSON);
    expect((await learner.startSession()).status).toBe(201);
    await learner.connect();
    const joined = await fetch(new URL('/api/classes/join', test.url), { method: 'POST', headers: learner.headers, body: JSON.stringify({ code: info.code, displayName: 'Checker' }) });
    expect(joined.status).toBe(200);
    const socket: InstructorSocket = io(new URL('/instructor', test.url).href, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie } });
    // Every attempt of a class grows with each check (a learner can check all day): the live table,
    // read again on every change, and the CSV must not read them (the JSON export does, on demand, a page at a time).
    const { progress } = test.engine;
    const attemptsPage = progress.classAttemptsPage.bind(progress);
    let attemptReads = 0;
    progress.classAttemptsPage = (classId, page) => {
      attemptReads++;
      return attemptsPage(classId, page);
    };
    try {
      await new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(undefined));
        socket.once('connect_error', reject);
      });
      const tables: ClassTable[] = [];
      socket.on('class:table', (table) => tables.push(table));
      const first = (await socket.timeout(30_000).emitWithAck('class:subscribe', { classId: info.id })) as Result<ClassTable>;
      expect('data' in first && first.data.rows.map((row) => row.displayName)).toEqual(['Checker']);
      // Real checks of the first step, which fail: no database runs yet.
      const failures = 4;
      for (let check = 0; check < failures; check++) expect((await learner.check('start-the-database')).passed).toBe(false);
      await waitUntil('the table with every failure', async () => tables.at(-1)?.rows[0]?.failedAttempts === failures, 30_000);
      expect(tables.at(-1)!.rows[0]).toMatchObject({ current: { lesson: LESSON, step: 'start-the-database' }, lastFailure: { step: 'start-the-database' } });
      const csv = await fetch(new URL(`/api/instructor/classes/${info.id}/results.csv`, test.url), { headers: { authorization: `Bearer ${PASSWORD}` } });
      expect((await csv.text()).split('\r\n')[1]).toMatch(new RegExp(`^"Checker","${hashLearnerKey(learner.learnerKey)}","${LESSON}",.*,0,6,,${failures}$`));
      expect(attemptReads).toBe(0);
      const json = await fetch(new URL(`/api/instructor/classes/${info.id}/results.json`, test.url), { headers: { cookie } });
      expect(((await json.json()) as { attempts: unknown[] }).attempts).toHaveLength(failures);
      expect(attemptReads).toBe(1);
    } finally {
      progress.classAttemptsPage = attemptsPage;
      socket.close();
      learner.disconnect();
      await learner.endSession();
    }
  });
});
