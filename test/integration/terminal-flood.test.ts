import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '../support/wait-for.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputAcks } from '../../site/src/client/output-acks.js';
import { OUTPUT_FLOW_LIMITS } from '../../sandbox-engine/src/terminal/output-flow.js';
import { requireDocker } from '../support/docker-state.js';
import { repoRoot, startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const lesson = 'postgres-in-a-container';
const FLOOD_MS = 60_000;
/** How fast each simulated page writes output: a busy browser tab's xterm. */
const PAGE_CHARS_PER_SECOND = 1024 * 1024;
/** Loose bounds: they catch unbounded growth and a stuck event loop, not speed. */
const MAX_RSS_GROWTH_MB = 200;
const MAX_ECHO_P99_MS = 2000;
/** Most the engine may send past what a page acknowledged: the high mark plus a read of the shell stream. */
const MAX_IN_FLIGHT = OUTPUT_FLOW_LIMITS.high + 128 * 1024;

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

/**
 * One terminal as a page sees it, without keeping the text: counts what arrives and acknowledges it
 * either at once or as a page writing `charsPerSecond` would, or never (a frozen tab).
 */
class PageTerminal {
  received = 0;
  written = 0;
  private readonly acks: OutputAcks;

  constructor(
    readonly learner: TestLearner,
    readonly terminalId: string,
    public mode: { acks: 'instant' } | { acks: 'paced'; charsPerSecond: number } | { acks: 'never' },
  ) {
    const socket = learner.socket!;
    this.acks = new OutputAcks((offset) => socket.emit('terminal:ack', { terminalId, offset }));
    socket.on('terminal:output', ({ terminalId: id, offset, data }) => {
      if (id !== terminalId) return;
      this.received = Math.max(this.received, offset + data.length);
      if (this.mode.acks === 'instant') this.write(this.received);
    });
  }

  /** Advances the simulated write by `ms` of work. */
  tick(ms: number): void {
    if (this.mode.acks === 'paced') this.write(Math.min(this.received, this.written + (this.mode.charsPerSecond * ms) / 1000));
  }

  private write(end: number): void {
    this.written = Math.max(this.written, Math.floor(end));
    this.acks.written(this.written);
  }

  async attach(since = 0): Promise<void> {
    const answer = await this.learner.socket!.timeout(60_000).emitWithAck('terminal:attach', { terminalId: this.terminalId, cols: 120, rows: 30, since });
    if ('error' in answer) throw new Error(answer.error.message);
    this.received = Math.max(this.received, since);
    this.written = Math.max(this.written, since);
  }

  type(data: string): void {
    this.learner.socket!.emit('terminal:input', { terminalId: this.terminalId, clientId: this.learner.clientId, seq: seqs.next(), data });
  }
}

const seqs = { value: 1_000_000, next: () => (seqs.value += 1) };

/** A learner whose socket drops TestLearner's own output handling (it would keep megabytes of `yes`). */
async function floodLearner(url: string): Promise<TestLearner> {
  const learner = new TestLearner(url, lesson);
  expect((await learner.startSession()).status).toBe(201);
  const socket = await learner.connect();
  socket.off('terminal:output');
  return learner;
}

/** Waits until `value` has not changed for `quietMs`; returns it. */
async function settled(value: () => number, quietMs: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = value();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error(`still changing after ${timeoutMs} ms (at ${value()})`);
    await sleep(100);
    if (value() !== last) {
      last = value();
      since = Date.now();
    }
  }
  return last;
}

describe('terminal output flood', () => {
  let test: TestEngine;
  const learners: TestLearner[] = [];
  const flooding: PageTerminal[] = [];
  let typist: TestLearner;
  const report: Record<string, unknown> = {};

  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine();
    // Two sandboxes with five terminals each (a sandbox has six at most), and a third learner who types.
    for (let sandbox = 0; sandbox < 2; sandbox += 1) {
      const learner = await floodLearner(test.url);
      learners.push(learner);
      for (let index = 0; index < 5; index += 1) {
        let terminalId = 'main';
        if (index > 0) {
          const opened = await learner.socket!.timeout(10_000).emitWithAck('terminal:open', {});
          if ('error' in opened) throw new Error(opened.error.message);
          terminalId = opened.data.terminalId;
        }
        const page = new PageTerminal(learner, terminalId, { acks: 'instant' });
        await page.attach(0);
        flooding.push(page);
      }
    }
    typist = new TestLearner(test.url, lesson);
    learners.push(typist);
    expect((await typist.startSession()).status).toBe(201);
    await typist.connect();
    await typist.attach(0);
    await typist.waitForOutput(/root@sandbox/);
    await waitUntil('every flooding terminal to show its prompt', () => flooding.every((page) => page.received > 0), 30_000);
  }, 300_000);

  afterAll(async () => {
    // Stop every flood, whatever happened, then end the sandboxes.
    for (const page of flooding) {
      page.mode = { acks: 'instant' };
      if (page.learner.socket?.connected) page.type('\x03');
    }
    await sleep(500);
    for (const learner of learners) learner.disconnect();
    if (test) await test[Symbol.asyncDispose]();
    if (Object.keys(report).length > 0) {
      await mkdir(path.join(repoRoot, 'test-results'), { recursive: true });
      await writeFile(path.join(repoRoot, 'test-results', 'terminal-flood.json'), JSON.stringify(report, null, 2) + '\n');
    }
  });

  it('pauses a shell for a page that acknowledges nothing, then drops that page and goes on', async () => {
    const [page] = flooding;
    const owner = page!.learner;
    // A second tab of the same learner on the same terminal, frozen: it never acknowledges.
    const frozen = new TestLearner(test.url, lesson);
    frozen.learnerKey = owner.learnerKey;
    (await frozen.connect()).off('terminal:output');
    const frozenPage = new PageTerminal(frozen, page!.terminalId, { acks: 'never' });
    await frozenPage.attach(page!.received);
    const attachedAt = frozenPage.received;
    const dropped = new Promise<string>((resolve) => frozen.socket!.once('disconnect', resolve));

    const rssBefore = process.memoryUsage().rss;
    page!.type('yes\r');
    const held = await settled(() => frozenPage.received, 1000, 10_000);
    const pausedAt = Date.now();
    const sentUnacked = held - attachedAt;
    // The shell stopped for every page: the page that acknowledges everything gets nothing more either.
    const ownerHeld = page!.received;
    await sleep(2000);
    const ownerGrowthWhilePaused = page!.received - ownerHeld;
    const rssPaused = process.memoryUsage().rss;

    // After the stall limit the frozen page's connection is closed (it would reconnect and re-attach)...
    expect(await dropped).toBe('transport close');
    const droppedAfterMs = Date.now() - pausedAt;
    // ...and the shell runs again for the page that reads, as fast as it acknowledges.
    const resumedFrom = page!.received;
    await sleep(3000);
    const acknowledgingRate = (page!.received - resumedFrom) / 3;
    page!.type('\x03');
    await settled(() => page!.received, 1000, 15_000);

    report.frozenPage = {
      highWatermark: OUTPUT_FLOW_LIMITS.high,
      sentUnacknowledgedWhenPaused: sentUnacked,
      ownerOutputGrowthWhilePaused: ownerGrowthWhilePaused,
      droppedAfterMs,
      rssBeforeMiB: mib(rssBefore),
      rssPausedMiB: mib(rssPaused),
      acknowledgingPageCharsPerSecond: Math.round(acknowledgingRate),
    };
    expect(ownerGrowthWhilePaused).toBe(0);
    expect(sentUnacked).toBeGreaterThan(OUTPUT_FLOW_LIMITS.high);
    expect(sentUnacked).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    expect(droppedAfterMs).toBeGreaterThan(OUTPUT_FLOW_LIMITS.stallMs - 3000);
    expect(droppedAfterMs).toBeLessThan(OUTPUT_FLOW_LIMITS.stallMs + 5000);
    expect(acknowledgingRate).toBeGreaterThan(4 * OUTPUT_FLOW_LIMITS.high);
  }, 60_000);

  it(`keeps memory flat and the typing learner answered while 10 terminals run yes for ${FLOOD_MS / 1000} s`, async () => {
    for (const page of flooding) page.mode = { acks: 'paced', charsPerSecond: PAGE_CHARS_PER_SECOND };
    const startOffsets = flooding.map((page) => page.received);
    const rss: number[] = [];
    const heap: number[] = [];
    const rssBefore = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      rss.push(usage.rss);
      heap.push(usage.heapUsed + usage.external);
    }, 250);
    let last = performance.now();
    const writer = setInterval(() => {
      const now = performance.now();
      for (const page of flooding) page.tick(now - last);
      last = now;
    }, 20);

    const started = Date.now();
    for (const page of flooding) page.type('yes\r');
    // The typist: a short command, time until its echo shows, again and again.
    const socket = typist.socket!;
    const latencies: number[] = [];
    let failures = 0;
    try {
      for (let probe = 0; Date.now() - started < FLOOD_MS; probe += 1) {
        const token = `k${probe}x`;
        const from = typist.output.length;
        const sentAt = performance.now();
        const echoed = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => done(false), 10_000);
          const check = () => typist.output.indexOf(token, from) !== -1 && done(true);
          const done = (ok: boolean) => {
            clearTimeout(timer);
            socket.off('terminal:output', check);
            resolve(ok);
          };
          socket.on('terminal:output', check);
        });
        typist.type(`: ${token}\r`);
        if (await echoed) latencies.push(performance.now() - sentAt);
        else failures += 1;
        await sleep(200);
      }
    } finally {
      clearInterval(sampler);
      for (const page of flooding) {
        page.mode = { acks: 'instant' };
        page.type('\x03');
      }
      clearInterval(writer);
    }
    const elapsedS = (Date.now() - started) / 1000;
    const output = flooding.map((page, index) => page.received - startOffsets[index]!);
    // Every flood ends with Ctrl-C: the shells go quiet.
    for (const page of flooding) await settled(() => page.received, 1000, 20_000);
    const rssAfter = process.memoryUsage().rss;

    const peak = Math.max(rssBefore, ...rss);
    report.flood = {
      terminals: flooding.length,
      seconds: Math.round(elapsedS),
      pageCharsPerSecond: PAGE_CHARS_PER_SECOND,
      outputPerTerminalMiB: output.map(mib),
      outputPerTerminalCharsPerSecond: output.map((chars) => Math.round(chars / elapsedS)),
      rssBeforeMiB: mib(rssBefore),
      rssPeakMiB: mib(peak),
      rssAfterMiB: mib(rssAfter),
      rssGrowthMiB: mib(peak - rssBefore),
      // One sample every 5 s: a plateau is the garbage collector's headroom, a slope would be a leak.
      rssEvery5sMiB: rss.filter((_, index) => index % 20 === 19).map(mib),
      heapAndExternalEvery5sMiB: heap.filter((_, index) => index % 20 === 19).map(mib),
      echoProbes: latencies.length,
      echoFailures: failures,
      echoP50Ms: Math.round(percentile(latencies, 50)),
      echoP99Ms: Math.round(percentile(latencies, 99)),
      echoMaxMs: Math.round(Math.max(...latencies)),
      bounds: { maxRssGrowthMiB: MAX_RSS_GROWTH_MB, maxEchoP99Ms: MAX_ECHO_P99_MS },
    };

    expect(failures).toBe(0);
    expect(latencies.length).toBeGreaterThan(FLOOD_MS / 1000);
    expect(peak - rssBefore).toBeLessThan(MAX_RSS_GROWTH_MB * 1024 * 1024);
    expect(percentile(latencies, 99)).toBeLessThan(MAX_ECHO_P99_MS);
    for (const chars of output) {
      // Each shell ran (far more than a screenful)...
      expect(chars).toBeGreaterThan(1024 * 1024);
      // ...but no faster than its page wrote: the engine never ran more than the window ahead.
      expect(chars).toBeLessThanOrEqual(PAGE_CHARS_PER_SECOND * elapsedS + MAX_IN_FLIGHT + 64 * 1024);
    }
  }, FLOOD_MS + 60_000);
});
