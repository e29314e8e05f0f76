import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '../support/wait-for.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { io } from 'socket.io-client';
import { OUTPUT_FLOW_LIMITS } from '../../sandbox-engine/src/terminal/output-flow.js';
import { SOCKET_BACKLOG_LIMITS } from '../../sandbox-engine/src/terminal/socket-backlog.js';
import { ATTACH_RATE, MAX_SOCKETS_PER_SESSION } from '../../sandbox-engine/src/terminal/socket-rate-limit.js';
import { TERMINAL_LIMITS } from '../../sandbox-engine/src/terminal/sandbox-terminal.js';
import { requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const lesson = 'postgres-in-a-container';
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** A learner with a sandbox, connected and attached to its main terminal, at the prompt. */
async function readyLearner(url: string): Promise<TestLearner> {
  const learner = new TestLearner(url, lesson);
  expect((await learner.startSession()).status).toBe(201);
  await learner.connect();
  await learner.attach(0);
  await learner.waitForOutput(/root@sandbox/);
  return learner;
}

/** Another tab of the same browser (same key), connected. */
async function sameBrowser(learner: TestLearner): Promise<TestLearner> {
  const tab = new TestLearner(learner.baseUrl, lesson);
  tab.learnerKey = learner.learnerKey;
  await tab.connect();
  return tab;
}

/** Where the terminal's output ends now (the engine's own count, whoever reads it). */
function outputEnd(test: TestEngine, learner: TestLearner, terminalId = 'main'): number {
  const terminal = test.engine.sessions.get(learner.sessionId!)!.terminals.get(terminalId)!;
  const probe = terminal.attach(Number.MAX_SAFE_INTEGER, () => undefined);
  probe.detach();
  return probe.replay.offset;
}

/** Engine log events written to stderr while the spy runs. */
function logEvents(spy: { mock: { calls: unknown[][] } }, event: string): Record<string, unknown>[] {
  return spy.mock.calls
    .map(([line]) => String(line))
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('terminal abuse', () => {
  let test: TestEngine;
  const learners: TestLearner[] = [];

  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine();
  });
  afterAll(async () => {
    for (const learner of learners) learner.disconnect();
    if (test) await test[Symbol.asyncDispose]();
  });
  afterEach(() => vi.restoreAllMocks());

  it('holds the shell for a client that acknowledges everything but reads nothing, then drops it', async () => {
    const owner = await readyLearner(test.url);
    learners.push(owner);
    const attacker = await sameBrowser(owner);
    learners.push(attacker);
    const socket = attacker.socket!;
    socket.off('terminal:output');
    expect((await socket.timeout(10_000).emitWithAck('terminal:attach', { terminalId: 'main', cols: 80, rows: 24, since: 0 })).data).toBeDefined();
    // The honest tab detaches: it would pause the shell itself by acknowledging at its own pace.
    owner.disconnect();
    const stderr = vi.spyOn(process.stderr, 'write');
    const started = Date.now();
    const usage = () => {
      const memory = process.memoryUsage();
      return memory.heapUsed + memory.external;
    };
    const memoryBefore = usage();
    const endBefore = outputEnd(test, owner);

    // The client stops reading its TCP socket, and keeps claiming it wrote everything.
    const tcp = (socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
    // Its next ack meets the closed connection, so it notices even without reading.
    let disconnected: { reason: string; ms: number } | undefined;
    socket.once('disconnect', (reason) => (disconnected = { reason, ms: Date.now() - started }));
    tcp.pause();
    attacker.type('yes\r');
    // Dropped by its backlog, or as a reader that holds the shell without taking output: both timers
    // run 10 s from the moment it fell behind, so either may fire first.
    const drops = () => [...logEvents(stderr, 'socket.backlog.dropped'), ...logEvents(stderr, 'terminal.reader.stalled')];
    const acks = setInterval(() => socket.emit('terminal:ack', { terminalId: 'main', offset: Number.MAX_SAFE_INTEGER }), 10);
    const samples: { ms: number; memory: number; end: number }[] = [];
    let health = 0;
    let droppedAfterMs = 0;
    try {
      while (Date.now() - started < OUTPUT_FLOW_LIMITS.stallMs + 5000 && drops().length === 0) {
        await sleep(250);
        samples.push({ ms: Date.now() - started, memory: usage(), end: outputEnd(test, owner) });
        if (samples.length % 8 === 0) health += (await fetch(new URL('/api/health', test.url))).status === 200 ? 1 : 0;
      }
      droppedAfterMs = Date.now() - started;
      // The client still reads nothing and goes on acknowledging: its next ack meets the reset
      // connection, so it learns of the drop without reading.
      await waitUntil('the client to see its connection closed', () => disconnected !== undefined, 3000);
    } finally {
      clearInterval(acks);
      tcp.resume();
    }
    const dropped = drops();
    const peakMemory = Math.max(...samples.map((sample) => sample.memory));
    // Before the drop (after it the shell runs again, for nobody).
    const heldAt = samples.find((sample) => sample.ms >= 3000)!.end;
    const endBeforeDrop = samples.filter((sample) => sample.ms <= OUTPUT_FLOW_LIMITS.stallMs - 1000).at(-1)!.end;

    // Stop yes from another tab.
    const rescue = await sameBrowser(owner);
    learners.push(rescue);
    await rescue.attach(Number.MAX_SAFE_INTEGER);
    rescue.type('\x03');
    rescue.type('echo "rescued-$((6*7))"\r');
    await rescue.waitForOutput(/rescued-42\r?\n/);

    console.log(
      JSON.stringify({
        blindAck: {
          droppedAfterMs,
          dropped: dropped[0],
          clientDisconnected: disconnected,
          outputFirst3sMiB: mib(heldAt - endBefore),
          outputFrom3sTo9sChars: endBeforeDrop - heldAt,
          peakHeapAndExternalGrowthMiB: mib(peakMemory - memoryBefore),
          healthAnswers: health,
        },
      }),
    );
    expect(dropped.length).toBeGreaterThanOrEqual(1);
    expect(disconnected!.reason).toMatch(/^transport (close|error)$/);
    expect(disconnected!.ms).toBeLessThan(droppedAfterMs + 3000);
    expect(droppedAfterMs).toBeGreaterThan(OUTPUT_FLOW_LIMITS.stallMs - 2000);
    expect(droppedAfterMs).toBeLessThan(OUTPUT_FLOW_LIMITS.stallMs + 4000);
    // The shell was held: what it printed from 3 s on until just before the drop is nothing, and in all a few MiB
    // (the bound plus what the kernel's socket buffers took), not hundreds.
    expect(endBeforeDrop - heldAt).toBeLessThan(SOCKET_BACKLOG_LIMITS.maxBytes);
    expect(endBeforeDrop - endBefore).toBeLessThan(32 * 1024 * 1024);
    expect(peakMemory - memoryBefore).toBeLessThan(96 * 1024 * 1024);
    expect(health).toBeGreaterThan(0);
  }, 60_000);

  it('limits repeated attaches of one socket, and counts their replays against its window', async () => {
    const learner = await readyLearner(test.url);
    learners.push(learner);
    // Fill the scrollback with a quarter MiB of output.
    learner.type('head -c 300000 /dev/zero | tr "\\0" "r"; echo; echo "filled-$((6*7))"\r');
    await learner.waitForOutput(/filled-42\r?\n/);
    const flood = await sameBrowser(learner);
    learners.push(flood);
    const socket = flood.socket!;
    socket.off('terminal:output');
    let replayed = 0;
    socket.on('terminal:output', ({ data }) => (replayed += data.length));
    const answers = await Promise.all(
      Array.from({ length: 60 }, () =>
        socket.timeout(20_000).emitWithAck('terminal:attach', { terminalId: 'main', cols: 80, rows: 24, since: 0 }),
      ),
    );
    const passed = answers.filter((answer) => 'data' in answer).length;
    const limited = answers.filter((answer) => 'error' in answer && answer.error.code === 'rate-limited');
    console.log(JSON.stringify({ repeatedAttach: { sent: 60, passed, limited: limited.length, replayedMiB: mib(replayed) } }));
    expect(passed).toBeGreaterThanOrEqual(ATTACH_RATE.burst);
    expect(passed).toBeLessThanOrEqual(ATTACH_RATE.burst + 1);
    expect(limited).toHaveLength(60 - passed);
    expect(limited[0]!.error.message).toMatch(/Too many terminal:attach messages/);
    expect(socket.connected).toBe(true);
    // A second later, attaching works again.
    await sleep(1000);
    expect('data' in (await socket.timeout(20_000).emitWithAck('terminal:attach', { terminalId: 'main', cols: 80, rows: 24, since: 0 }))).toBe(true);
    // The replays were never acknowledged, and re-attaching does not empty the window: the shell is held.
    const end = outputEnd(test, learner);
    learner.type('echo "after-replays-$((6*7))"\r');
    await sleep(1500);
    expect(outputEnd(test, learner)).toBe(end);
    // Until the stall time drops the socket that holds it; then the other tab goes on.
    await waitUntil('the replaying socket to be dropped', () => !socket.connected, OUTPUT_FLOW_LIMITS.stallMs + 5000);
    await learner.waitForOutput(/after-replays-42\r?\n/, 10_000);
  }, 60_000);

  it(`refuses a session's socket past ${MAX_SOCKETS_PER_SESSION}, and takes one again when another closes`, async () => {
    const learner = await readyLearner(test.url);
    learners.push(learner);
    const tabs: TestLearner[] = [];
    for (let index = 1; index < MAX_SOCKETS_PER_SESSION; index += 1) tabs.push(await sameBrowser(learner));
    const refused = new TestLearner(test.url, lesson);
    refused.learnerKey = learner.learnerKey;
    const error = await refused.connect().then(
      () => undefined,
      (reason: Error & { data?: { message?: string } }) => reason,
    );
    expect(error?.message).toBe('too-many-connections');
    expect(error?.data?.message).toMatch(new RegExp(`Your sandbox has ${MAX_SOCKETS_PER_SESSION} open connections`));
    tabs.pop()!.disconnect();
    await sleep(200);
    const again = await sameBrowser(learner);
    again.disconnect();
    for (const tab of tabs) tab.disconnect();
  });

  it('keeps no input for a shell that ended for good, and starts it again when a page attaches', async () => {
    const learner = await readyLearner(test.url);
    learners.push(learner);
    const session = test.engine.sessions.get(learner.sessionId!)!;
    const terminal = session.terminals.get('main')!;
    // Every new login shell exits at once: five respawns, then the terminal stays ended.
    // (A login shell reads ~/.bash_profile first; /etc/profile is read-only in the sandbox.)
    learner.type(`echo '[ -e /tmp/no-shell ] && exit' > ~/.bash_profile; touch /tmp/no-shell; exit\r`);
    await learner.waitForOutput(/keeps ending/, 30_000);
    expect(terminal.running).toBe(false);

    // A script sends 1 MiB of input (the socket's whole input burst) into the dead terminal.
    const before = learner.output.length;
    for (let seq = 0; seq < 64; seq += 1) learner.type('z'.repeat(16 * 1024), 10_000 + seq);
    await sleep(1000);
    expect(terminal.pendingInputChars).toBe(0);
    const notices = learner.output.slice(before).match(/No shell is running here/g) ?? [];
    expect(notices).toHaveLength(1);

    // The learner reloads the page (a new socket attaches): a new shell starts.
    await test.engine.sessions.shellFor(session).run('rm -f /tmp/no-shell ~/.bash_profile', { timeoutMs: 10_000, signal: AbortSignal.timeout(15_000) });
    learner.disconnect();
    const reloaded = await sameBrowser(learner);
    learners.push(reloaded);
    await reloaded.attach(0);
    await waitUntil('the shell to start again', () => terminal.running, 5000);
    reloaded.type('echo "restarted-$((6*7))"\r');
    await reloaded.waitForOutput(/restarted-42\r?\n/);
    expect(TERMINAL_LIMITS.restartIntervalMs).toBeGreaterThanOrEqual(1000);
  }, 90_000);
});

describe('per-address socket count', () => {
  const max = 3;
  let test: TestEngine;
  let learner: TestLearner;

  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine({ MAX_SOCKETS_PER_ADDRESS: String(max) });
    learner = new TestLearner(test.url, lesson);
    expect((await learner.startSession()).status).toBe(201);
  });
  afterAll(async () => {
    if (test) await test[Symbol.asyncDispose]();
  });

  /** Engine.io over HTTP long-polling by hand: a handshake, then one POST with a connect and a close in the same payload. */
  async function connectAndCloseInOnePost(): Promise<string> {
    const base = new URL('/socket.io/?EIO=4&transport=polling', test.url);
    const handshake = await (await fetch(base)).text();
    const { sid } = JSON.parse(handshake.slice(1)) as { sid: string };
    const auth = JSON.stringify({ lesson, learner: learner.learnerKey });
    const post = await fetch(`${base}&sid=${sid}`, { method: 'POST', body: `40${auth}\x1e1`, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    return `${post.status} ${await post.text()}`;
  }

  async function connectAll(count: number) {
    const sockets: TestLearner[] = [];
    try {
      for (let index = 0; index < count; index += 1) {
        const tab = new TestLearner(test.url, lesson);
        tab.learnerKey = learner.learnerKey;
        await tab.connect();
        sockets.push(tab);
      }
    } finally {
      for (const tab of sockets) tab.disconnect();
    }
    return sockets.length;
  }

  it('gives the count back for sockets closed before they finished connecting', async () => {
    for (let round = 0; round < 4 * max; round += 1) expect(await connectAndCloseInOnePost()).toBe('200 ok');
    // socket.io-client sockets closed as soon as they are created, in the middle of their handshake.
    for (let round = 0; round < 4 * max; round += 1) {
      const socket = io(test.url, { auth: { lesson, learner: learner.learnerKey }, transports: ['polling'], reconnection: false, forceNew: true });
      await new Promise<void>((resolve) => socket.io.engine.once('open', () => resolve()));
      socket.disconnect();
    }
    await sleep(500);
    // Every slot is free again: the address can open its whole allowance, and no more.
    await expect(connectAll(max)).resolves.toBe(max);
    await sleep(200);
    await expect(connectAll(max + 1)).rejects.toThrow(/too-many-connections/);
  });
});
