import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputPacer } from '../../site/src/client/input-pacer.js';
import { INPUT_BURST_CHARS, INPUT_CHARS_PER_SECOND, MAX_INPUT_CHARS } from '../../site/src/client/limits.js';
import { requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const lesson = 'postgres-in-a-container';
type RawEmit = { emit: (event: string, ...args: unknown[]) => void };

let deep: unknown = {};
for (let level = 0; level < 500; level += 1) deep = { deep };
const shapes: unknown[] = [
  'not an object',
  42,
  true,
  [1, 2, { terminalId: 'main' }],
  { bogus: 1 },
  { terminalId: 42, cols: 'wide', rows: -1 },
  { terminalId: '../../etc', offset: -5, bogus: 1 },
  { terminalId: 'main', clientId: 'short', seq: 'x', data: '' },
  { terminalId: 'main', offset: Number.MAX_SAFE_INTEGER, extra: { nested: [null, 'y'.repeat(1000)] } },
  deep,
  Buffer.alloc(64 * 1024, 7),
];

/**
 * A payload no schema takes (every message schema is a strict object: an unknown key or a non-object
 * fails). One message in twenty carries a string of 300-600 KB, under socket.io's 1 MiB frame limit.
 */
function malformed(index: number): unknown {
  if (index % 20 === 0) return { name: 'x'.repeat(300_000 + (index % 7) * 50_000), bogus: index };
  return shapes[(index * 7919) % shapes.length];
}

const events = [
  'terminal:attach',
  'terminal:input',
  'terminal:resize',
  'terminal:ack',
  'step:check',
  'session:keepalive',
  'terminal:open',
  'terminal:rename',
  'terminal:close',
  'no:such:event',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'x'.repeat(5000),
];

/** Polls /api/health every 100 ms while `during` runs; returns the slowest answer and any failure. */
async function healthWhile(url: string, during: Promise<unknown>): Promise<{ answers: number; slowestMs: number; failures: number }> {
  let done = false;
  void during.finally(() => (done = true)).catch(() => undefined);
  const result = { answers: 0, slowestMs: 0, failures: 0 };
  while (!done) {
    const started = performance.now();
    const ok = await fetch(new URL('/api/health', url), { signal: AbortSignal.timeout(15_000) })
      .then((response) => response.status === 200)
      .catch(() => false);
    result.slowestMs = Math.max(result.slowestMs, performance.now() - started);
    if (ok) result.answers += 1;
    else result.failures += 1;
    await sleep(100);
  }
  return result;
}

describe('socket limits', () => {
  let test: TestEngine;
  let flooder: TestLearner;
  let victim: TestLearner;

  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine();
    flooder = new TestLearner(test.url, lesson);
    victim = new TestLearner(test.url, lesson);
    for (const learner of [flooder, victim]) {
      expect((await learner.startSession()).status).toBe(201);
      await learner.connect();
      await learner.attach(0);
      await learner.waitForOutput(/root@sandbox/);
    }
  });
  afterAll(async () => {
    flooder?.disconnect();
    victim?.disconnect();
    if (test) await test[Symbol.asyncDispose]();
  });

  it('takes 1,000 malformed messages from one socket while the engine and another learner carry on', async () => {
    const socket = flooder.socket!;
    const errorsBefore = flooder.errors.length;
    let duringFlood = 0;
    let floodDone = false;
    const flood = (async () => {
      // 100 messages every 600 ms: under the event limit, so every message reaches validation.
      for (let index = 0; index < 1000; index += 1) {
        (socket as unknown as RawEmit).emit(events[(index * 31) % events.length]!, malformed(index));
        if (index % 100 === 99) await sleep(600);
      }
    })().finally(() => (floodDone = true));
    // The other learner's terminal echoes all along.
    const echoes = (async () => {
      for (let round = 0; !floodDone || round < 3; round += 1) {
        victim.type(`echo "victim-${round}-$((6*7))"\r`);
        await victim.waitForOutput(new RegExp(`victim-${round}-42\\r?\\n`), 15_000);
        if (!floodDone) duringFlood += 1;
      }
    })();
    const health = await healthWhile(test.url, Promise.all([flood, echoes]));
    await Promise.all([flood, echoes]);

    // The engine kept answering all along (how fast depends on the machine's load: printed, not judged).
    console.log(`health during the flood: ${health.answers} answers, slowest ${Math.round(health.slowestMs)} ms`);
    expect(health.failures).toBe(0);
    expect(health.answers).toBeGreaterThanOrEqual(3);
    expect(duringFlood).toBeGreaterThanOrEqual(3);
    // Every message with a handler was answered with an error (unknown event names have none).
    await sleep(500);
    const errors = flooder.errors.slice(errorsBefore);
    expect(errors.length).toBeGreaterThan(600);
    expect(errors.some((error) => /rate|slow down/i.test(error.message))).toBe(false);
    expect(socket.connected).toBe(true);
    // The flooding socket still works, and the sandbox was not changed (no terminal opened).
    flooder.type('echo flooder-still-$((40+2))\r');
    await flooder.waitForOutput(/flooder-still-42\r?\n/);
    expect(test.engine.sessions.get(flooder.sessionId!)?.terminalList()).toHaveLength(1);
  });

  it('lets a paste at the page pace through whole', async () => {
    const lines = 20_000;
    const line = 'p'.repeat(99);
    const paste = Array.from({ length: lines }, () => line).join('\r') + '\r';
    expect(paste.length).toBeGreaterThan(INPUT_BURST_CHARS + 2 * INPUT_CHARS_PER_SECOND);
    const errorsBefore = victim.errors.length;
    victim.type('stty -echo; cat > /tmp/paste; stty echo; echo "pasted=$(wc -c < /tmp/paste)"\r');
    await sleep(500);
    // The page's pace: the same bucket as transport.ts, 16 Ki characters a message.
    const pacer = new InputPacer(INPUT_BURST_CHARS, INPUT_CHARS_PER_SECOND);
    for (let start = 0; start < paste.length; start += MAX_INPUT_CHARS) {
      const piece = paste.slice(start, start + MAX_INPUT_CHARS);
      for (let wait = pacer.delayFor(piece.length); wait > 0; wait = pacer.delayFor(piece.length)) await sleep(wait);
      victim.type(piece);
    }
    victim.type('\x04');
    await victim.waitForOutput(new RegExp(`pasted=${lines * (line.length + 1)}\\b`), 60_000);
    expect(victim.errors.slice(errorsBefore)).toEqual([]);
  });

  it('drops a flood with a notice a second, then disconnects a socket that keeps flooding', async () => {
    const other = new TestLearner(test.url, lesson);
    other.learnerKey = flooder.learnerKey;
    const socket = await other.connect();
    const reason = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const started = Date.now();
    let sent = 0;
    // About 1,000 keepalives a second, five times the limit, for at most 12 s.
    while (socket.connected && Date.now() - started < 12_000) {
      for (let i = 0; i < 50; i += 1) socket.emit('session:keepalive', {});
      sent += 50;
      await sleep(50);
    }
    const elapsed = Date.now() - started;
    expect(await reason).toBe('io server disconnect');
    expect(elapsed).toBeGreaterThan(4000);
    expect(elapsed).toBeLessThan(10_000);
    const notices = other.errors.filter((error) => /slow down/.test(error.message));
    expect(notices.length).toBeGreaterThanOrEqual(3);
    expect(notices.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 1);
    expect(sent).toBeGreaterThan(4000);
    // The learner's other socket is untouched.
    flooder.type('echo after-flood-$((40+2))\r');
    await flooder.waitForOutput(/after-flood-42\r?\n/);
  });

  it('answers a WebSocket upgrade to another path with 404 and closes it at once', async () => {
    const port = new URL(test.url).port;
    const started = performance.now();
    const answer = await new Promise<{ text: string; ms: number }>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      socket.setTimeout(5000, () => reject(new Error(`still open after 5 s; got ${JSON.stringify(text)}`)));
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve({ text, ms: performance.now() - started }));
      socket.on('error', reject);
      socket.write(
        'GET /not-socket-io HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    expect(answer.text).toMatch(/^HTTP\/1\.1 404 /);
    expect(answer.ms).toBeLessThan(1000);
    // socket.io's own upgrades still work.
    const again = new TestLearner(test.url, lesson);
    again.learnerKey = victim.learnerKey;
    await again.connect();
    again.disconnect();
  });
});
