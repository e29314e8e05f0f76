import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const lesson = 'postgres-in-a-container';
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('terminal over socket.io', () => {
  let test: TestEngine;
  let learner: TestLearner;
  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine();
    learner = new TestLearner(test.url, lesson);
    const { status, body } = await learner.startSession();
    expect(status).toBe(201);
    expect(body.data?.resumed).toBe(false);
    await learner.connect();
    await learner.attach(0);
  });
  afterAll(async () => {
    learner?.disconnect();
    if (test) await test[Symbol.asyncDispose]();
  });

  it('echoes a command typed in the shell of the sandbox', async () => {
    await learner.waitForOutput(/root@sandbox/);
    learner.type('echo "round-$((40+2))-trip"\r');
    await learner.waitForOutput(/round-42-trip/);
    learner.type('docker ps --format "{{.Names}}" | wc -l\r');
    await learner.waitForOutput(/^0\s*$/m);
  });

  it('completes docker commands with Tab', async () => {
    learner.type('docker vers\t');
    learner.type(' --format "completed-{{.Server.Os}}"\r');
    await learner.waitForOutput(/completed-linux/);
  });

  it('takes a message once even when it arrives twice', async () => {
    learner.type('echo once >> /tmp/dup; wc -l < /tmp/dup\r', 1000);
    learner.type('echo once >> /tmp/dup; wc -l < /tmp/dup\r', 1000);
    learner.type('echo "lines: $(wc -l < /tmp/dup)"\r', 1001);
    await learner.waitForOutput(/lines: 1\b/);
  });

  it('shows missed output once after a reconnect, and recent output once on a new page', async () => {
    learner.disconnect();
    // Output produced while nobody is attached is kept for the page.
    const other = new TestLearner(test.url, lesson);
    other.learnerKey = learner.learnerKey;
    await other.connect();
    await other.attach(0);
    other.type('echo "while-away-$((6*7))"\r');
    await other.waitForOutput(/while-away-42/);
    other.disconnect();

    await learner.connect();
    await learner.attach();
    learner.type('echo back-again\r');
    await learner.waitForOutput(/back-again\r?\n/);
    expect(count(learner.output, 'round-42-trip')).toBe(1);
    expect(count(learner.output, 'while-away-42')).toBe(1);

    // A new page (same browser, nothing received yet) gets the recent output exactly once.
    const reopened = new TestLearner(test.url, lesson);
    reopened.learnerKey = learner.learnerKey;
    const { body } = await reopened.startSession();
    expect(body.data?.resumed).toBe(true);
    await reopened.connect();
    await reopened.attach(0);
    await reopened.waitForOutput(/back-again/);
    expect(count(reopened.output, 'round-42-trip')).toBe(1);
    expect(count(reopened.output, 'while-away-42')).toBe(1);
    reopened.disconnect();
  });

  it('answers malformed and oversized messages with errors and goes on', async () => {
    const socket = learner.socket!;
    const before = learner.errors.length;
    socket.emit('terminal:input', 'not an object');
    socket.emit('terminal:input', { terminalId: 'main', clientId: learner.clientId, seq: 'x', data: 'ls\r' });
    socket.emit('terminal:resize', { cols: -5, rows: 10 });
    socket.emit('terminal:input', { terminalId: 'main', clientId: learner.clientId, seq: 5000, data: 'x'.repeat(200_000) });
    const badAttach = await socket.timeout(5000).emitWithAck('terminal:attach', { cols: 'wide' });
    expect(badAttach).toMatchObject({ error: { code: 'bad-request' } });
    const badCheck = await socket.timeout(5000).emitWithAck('step:check', { stepId: 'no-such-step' });
    expect(badCheck).toMatchObject({ error: { code: 'bad-request' } });
    (socket as unknown as { emit: (event: string, ...args: unknown[]) => void }).emit('no:such:event', { a: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(learner.errors.length - before).toBeGreaterThanOrEqual(5);
    expect(learner.errors.some((error) => /terminal:input/.test(error.event) && /data/.test(error.message))).toBe(true);

    // The connection and the server are fine.
    expect(socket.connected).toBe(true);
    learner.type('echo still-alive\r');
    await learner.waitForOutput(/still-alive\r?\n/);
    const health = await fetch(new URL('/api/health', test.url));
    expect(health.status).toBe(200);
  });

  it('opens, renames and closes more terminals in the same sandbox', async () => {
    const socket = learner.socket!;
    const lists: unknown[] = [];
    socket.on('terminals:list', (list) => lists.push(list));
    const opened = await socket.timeout(5000).emitWithAck('terminal:open', { name: 'logs' });
    expect(opened).toEqual({ data: { terminalId: 't2', name: 'logs' } });
    const outputs: string[] = [];
    socket.on('terminal:output', ({ terminalId, data }) => terminalId === 't2' && outputs.push(data));
    const attached = await socket.timeout(30_000).emitWithAck('terminal:attach', { terminalId: 't2', cols: 80, rows: 24, since: 0 });
    expect('data' in attached).toBe(true);
    socket.emit('terminal:input', { terminalId: 't2', clientId: learner.clientId, seq: 0, data: 'echo "second-$((3*3))"; docker ps -q | wc -l\r' });
    const deadline = Date.now() + 20_000;
    while (!/second-9/.test(outputs.join('')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(outputs.join('')).toMatch(/second-9/);
    expect(learner.output).not.toMatch(/second-9/);

    const renamed = await socket.timeout(5000).emitWithAck('terminal:rename', { terminalId: 't2', name: 'follow logs' });
    expect(renamed).toEqual({ data: [{ terminalId: 'main', name: 'Terminal 1' }, { terminalId: 't2', name: 'follow logs' }] });
    expect(await socket.timeout(5000).emitWithAck('terminal:close', { terminalId: 'main' })).toMatchObject({ error: { code: 'bad-request' } });
    expect(await socket.timeout(5000).emitWithAck('terminal:attach', { terminalId: 'nope', cols: 80, rows: 24 })).toMatchObject({ error: {} });
    const closed = await socket.timeout(5000).emitWithAck('terminal:close', { terminalId: 't2' });
    expect(closed).toEqual({ data: [{ terminalId: 'main', name: 'Terminal 1' }] });
    expect(lists.length).toBeGreaterThanOrEqual(3);
  });

  it("gives nothing to a socket without the learner's key", async () => {
    const intruder = new TestLearner(test.url, lesson);
    await expect(intruder.connect()).rejects.toThrow(/no-session/);
    // A malformed key, or none, is refused too.
    intruder.learnerKey = 'A'.repeat(42);
    await expect(intruder.connect()).rejects.toThrow(/no-session/);
    const noKey = await fetch(new URL('/api/sessions', test.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lesson }),
    });
    expect(noKey.status).toBe(400);
    expect(await noKey.json()).toMatchObject({ error: { code: 'bad-request', message: expect.stringMatching(/x-dockyard-learner/) } });
    // Another key gets a sandbox of its own, never this one.
    const stranger = new TestLearner(test.url, lesson);
    const body = (await stranger.startSession()).body;
    expect(body.data!.sessionId).not.toBe(learner.sessionId);
    await stranger.endSession();
  });

  it('rejects bad session requests with clear errors', async () => {
    const post = (body: string) =>
      fetch(new URL('/api/sessions', test.url), { method: 'POST', headers: new TestLearner(test.url, lesson).headers, body });
    expect((await post('{"lesson": "no-such-lesson"}')).status).toBe(404);
    const malformed = await post('{not json');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'bad-request' } });
    expect((await post(JSON.stringify({ lesson: 'x'.repeat(100_000) }))).status).toBe(413);
  });
});
