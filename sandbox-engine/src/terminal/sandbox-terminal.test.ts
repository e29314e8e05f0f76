import { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ShellStream } from '../drivers/sandbox-driver.js';
import { createLogger } from '../log/logger.js';
import { SandboxTerminal, TERMINAL_LIMITS } from './sandbox-terminal.js';

const log = createLogger('error', {}, () => true);

/** A shell: records what is written to it and every resize; `end()` makes it exit. */
class FakeShell implements ShellStream {
  readonly written: string[] = [];
  readonly resizes: string[] = [];
  readonly stream = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _encoding, callback) => {
      this.written.push(chunk.toString());
      callback();
    },
  });

  async resize(cols: number, rows: number): Promise<void> {
    this.resizes.push(`${cols}x${rows}`);
  }

  end(): void {
    this.stream.destroy();
  }
}

/** Opens FakeShells; `hold()` makes the next open wait until `release()`. */
function shells() {
  const opened: FakeShell[] = [];
  let gate: Promise<void> | undefined;
  let release = () => undefined as void;
  const open = vi.fn(async () => {
    if (gate) await gate;
    const shell = new FakeShell();
    opened.push(shell);
    return shell;
  });
  return {
    opened,
    open,
    hold: () => {
      gate = new Promise((resolve) => (release = () => { gate = undefined; resolve(); }));
    },
    release: () => release(),
  };
}

/** The shell exits at once, again and again: five respawns in a minute, then it stays ended. */
async function endUntilItStaysEnded(factory: ReturnType<typeof shells>): Promise<void> {
  for (let round = 0; round < 6; round += 1) {
    factory.opened.at(-1)!.end();
    await vi.advanceTimersByTimeAsync(400);
  }
}

function outputOf(terminal: SandboxTerminal): string {
  return terminal.attach(0, () => undefined).replay.data;
}

describe('SandboxTerminal input', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps input for a starting shell up to the cap, drops the rest with one notice, then sends what it kept', async () => {
    const factory = shells();
    factory.hold();
    const terminal = new SandboxTerminal('main', factory.open, 10_000, log);
    const started = terminal.start({ cols: 80, rows: 24 });
    const piece = 'x'.repeat(16 * 1024);
    const taken = Array.from({ length: 10 }, (_, seq) => terminal.write('client-1', seq, piece));
    expect(taken).toEqual([true, true, true, true, false, false, false, false, false, false]);
    expect(terminal.pendingInputChars).toBe(TERMINAL_LIMITS.pendingInputChars);
    expect(outputOf(terminal).match(/input past 64 KiB was dropped/g)).toHaveLength(1);
    factory.release();
    await started;
    expect(factory.opened[0]!.written.join('')).toBe(piece.repeat(4));
    expect(terminal.pendingInputChars).toBe(0);
    expect(terminal.write('client-1', 10, 'ls\r')).toBe(true);
    expect(factory.opened[0]!.written.at(-1)).toBe('ls\r');
  });

  it('drops input to a shell that ended for good, keeping nothing, and says so once', async () => {
    const factory = shells();
    const terminal = new SandboxTerminal('main', factory.open, 100_000, log);
    await terminal.start();
    await endUntilItStaysEnded(factory);
    expect(factory.open).toHaveBeenCalledTimes(6);
    expect(terminal.running).toBe(false);
    expect(outputOf(terminal)).toMatch(/keeps ending/);
    for (let seq = 0; seq < 1000; seq += 1) expect(terminal.write('client-1', seq, 'y'.repeat(16 * 1024))).toBe(false);
    expect(terminal.pendingInputChars).toBe(0);
    expect(outputOf(terminal).match(/No shell is running here/g)).toHaveLength(1);
  });

  it('starts an ended shell again when a page attaches, at most once per restart interval', async () => {
    const factory = shells();
    const terminal = new SandboxTerminal('main', factory.open, 100_000, log);
    await terminal.start();
    await endUntilItStaysEnded(factory);
    expect(terminal.running).toBe(false);
    const opens = factory.open.mock.calls.length;
    expect(terminal.restartIfEnded()).toBe(true);
    expect(terminal.running).toBe(true);
    // Input typed while it starts is kept for it.
    expect(terminal.write('client-1', 1, 'echo hi\r')).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(factory.opened.at(-1)!.written).toEqual(['echo hi\r']);
    // A running shell is left alone.
    expect(terminal.restartIfEnded()).toBe(false);
    // It exits at once again (still five respawns this minute): attaches in a loop start at most one shell per interval.
    factory.opened.at(-1)!.end();
    await vi.advanceTimersByTimeAsync(400);
    expect(terminal.running).toBe(false);
    let restarts = 0;
    for (let tick = 0; tick < 200; tick += 1) {
      if (terminal.restartIfEnded()) {
        restarts += 1;
        await vi.advanceTimersByTimeAsync(0);
        factory.opened.at(-1)!.end();
      }
      await vi.advanceTimersByTimeAsync(100);
    }
    // 20 s of attaches every 100 ms: about one restart per 5 s.
    expect(restarts).toBeGreaterThanOrEqual(3);
    expect(restarts).toBeLessThanOrEqual(4);
    expect(factory.open.mock.calls.length - opens).toBe(1 + restarts);
  });
});

describe('SandboxTerminal resize', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('skips a size the shell has, and coalesces a storm of resizes to a few calls ending with the last size', async () => {
    const factory = shells();
    const terminal = new SandboxTerminal('main', factory.open, 10_000, log);
    await terminal.start({ cols: 80, rows: 24 });
    const shell = factory.opened[0]!;
    await terminal.resize(80, 24);
    expect(shell.resizes).toEqual([]);
    // 500 resizes over 2 s (a window being dragged, or a script).
    const done: Promise<void>[] = [];
    for (let step = 0; step < 500; step += 1) {
      done.push(terminal.resize(81 + (step % 50), 25));
      await vi.advanceTimersByTimeAsync(4);
    }
    done.push(terminal.resize(133, 41));
    await vi.advanceTimersByTimeAsync(TERMINAL_LIMITS.resizeIntervalMs);
    await Promise.all(done);
    expect(shell.resizes.length).toBeGreaterThanOrEqual(2);
    expect(shell.resizes.length).toBeLessThanOrEqual(2000 / TERMINAL_LIMITS.resizeIntervalMs + 2);
    expect(shell.resizes.at(-1)).toBe('133x41');
    // The same size again costs nothing.
    await terminal.resize(133, 41);
    await vi.advanceTimersByTimeAsync(1000);
    expect(shell.resizes.at(-1)).toBe('133x41');
    expect(shell.resizes.filter((size) => size === '133x41')).toHaveLength(1);
  });

  it('applies at once when the last resize is long past', async () => {
    const factory = shells();
    const terminal = new SandboxTerminal('main', factory.open, 10_000, log);
    await terminal.start({ cols: 80, rows: 24 });
    await terminal.resize(100, 30);
    expect(factory.opened[0]!.resizes).toEqual(['100x30']);
  });

  it('gives a shell that was starting the size asked for meanwhile', async () => {
    const factory = shells();
    factory.hold();
    const terminal = new SandboxTerminal('main', factory.open, 10_000, log);
    const started = terminal.start({ cols: 80, rows: 24 });
    await terminal.resize(120, 40);
    factory.release();
    await started;
    await vi.advanceTimersByTimeAsync(0);
    expect(factory.open).toHaveBeenCalledWith({ cols: 80, rows: 24 });
    expect(factory.opened[0]!.resizes).toEqual(['120x40']);
  });

  it('never rejects when the Docker call fails', async () => {
    const factory = shells();
    const terminal = new SandboxTerminal('main', factory.open, 10_000, log);
    await terminal.start({ cols: 80, rows: 24 });
    factory.opened[0]!.resize = () => Promise.reject(new Error('exec gone'));
    await expect(terminal.resize(90, 30)).resolves.toBeUndefined();
  });
});

describe('SandboxTerminal attach', () => {
  it('counts a replay on the same attachment against its window', async () => {
    const factory = shells();
    const terminal = new SandboxTerminal('main', factory.open, 1024 * 1024, log);
    await terminal.start();
    terminal.print('z'.repeat(200 * 1024));
    const sent: number[] = [];
    const attachment = terminal.attach(0, (chunk) => sent.push(chunk.data.length));
    expect(attachment.replay.data.length).toBe(200 * 1024);
    expect(factory.opened[0]!.stream.isPaused()).toBe(false);
    // Asking for it all again: 400 KiB unacknowledged, over the window: the shell pauses.
    expect(attachment.resend(0).data.length).toBe(200 * 1024);
    expect(factory.opened[0]!.stream.isPaused()).toBe(true);
    attachment.ack(terminal.attach(0, () => undefined).replay.data.length);
    expect(factory.opened[0]!.stream.isPaused()).toBe(true);
    terminal.close();
  });
});

describe('SandboxTerminal observe', () => {
  it('never holds the shell for a watcher that stops acknowledging, and catches it up from the scrollback', async () => {
    const factory = shells();
    const terminal = new SandboxTerminal('main', factory.open, 1024 * 1024, log);
    await terminal.start();
    const shell = factory.opened[0]!;
    // The learner's page keeps up.
    const learner = terminal.attach(0, (chunk) => learner.ack(chunk.offset + chunk.data.length));
    const seen: { offset: number; length: number }[] = [];
    let backedUp = false;
    const watch = terminal.observe(0, (chunk) => seen.push({ offset: chunk.offset, length: chunk.data.length }), () => backedUp, 100 * 1024);
    for (let i = 0; i < 10; i += 1) terminal.print('w'.repeat(64 * 1024));
    // 640 KiB printed: the watcher took 2 chunks (128 KiB) then had no room; the learner's shell runs on.
    expect(shell.stream.isPaused()).toBe(false);
    expect(seen).toEqual([{ offset: 0, length: 65536 }, { offset: 65536, length: 65536 }]);
    // It acknowledges: it is sent what it missed at once, as one chunk from where it left off.
    watch.ack(2 * 65536);
    expect(seen.at(-1)).toEqual({ offset: 2 * 65536, length: 8 * 65536 });
    // A backed-up connection is sent nothing, then caught up when it drains.
    watch.ack(10 * 65536);
    backedUp = true;
    terminal.print('after');
    expect(seen).toHaveLength(3);
    backedUp = false;
    watch.recheck();
    expect(seen.at(-1)).toEqual({ offset: 10 * 65536, length: 5 });
    watch.detach();
    terminal.print('gone');
    expect(seen).toHaveLength(4);
    expect(shell.stream.isPaused()).toBe(false);
    terminal.close();
  });
});
