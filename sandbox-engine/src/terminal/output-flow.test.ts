import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutputFlow } from './output-flow.js';

const limits = { high: 100, low: 20, stallMs: 1000 };

function valve() {
  const calls: string[] = [];
  return { calls, pause: () => calls.push('pause'), resume: () => calls.push('resume') };
}

describe('OutputFlow', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('pauses when a reader holds more than the high mark, resumes when all are under the low mark', () => {
    const shell = valve();
    const flow = new OutputFlow(shell, limits);
    const fast = flow.add(0, () => undefined);
    const slow = flow.add(0, () => undefined);
    fast.sent(100);
    slow.sent(100);
    expect(flow.paused).toBe(false);
    fast.sent(150);
    slow.sent(150);
    expect(shell.calls).toEqual(['pause']);
    fast.ack(150);
    slow.ack(100);
    // slow still holds 50: over the low mark, so the shell stays paused.
    expect(flow.paused).toBe(true);
    slow.ack(140);
    expect(shell.calls).toEqual(['pause', 'resume']);
    expect(flow.paused).toBe(false);
  });

  it('counts from what a re-attaching page already holds, and never past what it was sent', () => {
    const shell = valve();
    const flow = new OutputFlow(shell, limits);
    const reader = flow.add(5000, () => undefined);
    reader.sent(5090);
    expect(reader.unacked).toBe(90);
    reader.ack(1_000_000);
    expect(reader.unacked).toBe(0);
    reader.sent(5200);
    expect(reader.unacked).toBe(110);
    expect(flow.paused).toBe(true);
    reader.ack(4000);
    expect(reader.unacked).toBe(110);
  });

  it('drops a reader that keeps the shell paused without acknowledging, and resumes for the others', () => {
    const shell = valve();
    const flow = new OutputFlow(shell, limits);
    const stalled: string[] = [];
    const frozen = flow.add(0, () => stalled.push('frozen'));
    const live = flow.add(0, () => stalled.push('live'));
    frozen.sent(200);
    live.sent(200);
    live.ack(200);
    vi.advanceTimersByTime(999);
    expect(stalled).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(stalled).toEqual(['frozen']);
    expect(shell.calls).toEqual(['pause', 'resume']);
    // A dropped reader counts no more.
    frozen.sent(10_000);
    expect(flow.paused).toBe(false);
  });

  it('gives a slow reader that still acknowledges a new stall period on each ack', () => {
    const flow = new OutputFlow(valve(), limits);
    const stalled: string[] = [];
    const slow = flow.add(0, () => stalled.push('slow'));
    slow.sent(300);
    for (let acked = 10; acked <= 100; acked += 10) {
      vi.advanceTimersByTime(900);
      slow.ack(acked);
    }
    expect(stalled).toEqual([]);
    expect(flow.paused).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(stalled).toEqual(['slow']);
  });

  it('also drops a reader between the marks that keeps the shell from resuming', () => {
    const flow = new OutputFlow(valve(), limits);
    const stalled: string[] = [];
    const idle = flow.add(0, () => stalled.push('idle'));
    const busy = flow.add(0, () => stalled.push('busy'));
    idle.sent(50);
    busy.sent(150);
    busy.ack(150);
    expect(flow.paused).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(stalled).toEqual(['idle']);
    expect(flow.paused).toBe(false);
  });

  it('forgets every reader and timer when the terminal closes', () => {
    const shell = valve();
    const flow = new OutputFlow(shell, limits);
    const stalled: string[] = [];
    flow.add(0, () => stalled.push('a')).sent(500);
    flow.close();
    vi.advanceTimersByTime(5000);
    expect(stalled).toEqual([]);
    expect(flow.paused).toBe(false);
  });
  it('holds the shell for a reader whose transport is backed up, whatever it acknowledged, until it drains', () => {
    const shell = valve();
    const flow = new OutputFlow(shell, limits);
    let backedUp = false;
    const liar = flow.add(0, () => undefined, () => backedUp);
    const honest = flow.add(0, () => undefined);
    liar.sent(50);
    liar.ack(Number.MAX_SAFE_INTEGER);
    expect(flow.paused).toBe(false);
    backedUp = true;
    liar.sent(60);
    liar.ack(Number.MAX_SAFE_INTEGER);
    expect(liar.unacked).toBe(0);
    expect(shell.calls).toEqual(['pause']);
    // The other reader acknowledging everything does not resume it either.
    honest.sent(60);
    honest.ack(60);
    expect(flow.paused).toBe(true);
    backedUp = false;
    liar.recheck();
    expect(shell.calls).toEqual(['pause', 'resume']);
  });

  it('counts a replay on re-attach on top of what was not acknowledged, without restarting the stall timer', () => {
    const shell = valve();
    const flow = new OutputFlow(shell, limits);
    const stalled: string[] = [];
    const reader = flow.add(0, () => stalled.push('reader'));
    reader.sent(90);
    expect(flow.paused).toBe(false);
    // The page asks for everything again from 0: 90 unacknowledged plus a replay of 90.
    reader.restart(0);
    reader.sent(90);
    expect(reader.unacked).toBe(180);
    expect(flow.paused).toBe(true);
    vi.advanceTimersByTime(600);
    reader.restart(0);
    reader.sent(90);
    expect(reader.unacked).toBe(270);
    vi.advanceTimersByTime(400);
    expect(stalled).toEqual(['reader']);
    expect(flow.paused).toBe(false);
  });

  it('lets a re-attached reader acknowledge the replay and the rest', () => {
    const flow = new OutputFlow(valve(), limits);
    const reader = flow.add(1000, () => undefined);
    reader.sent(1080);
    reader.restart(1050);
    reader.sent(1100);
    expect(reader.unacked).toBe(130);
    reader.ack(1100);
    expect(reader.unacked).toBe(0);
    expect(flow.paused).toBe(false);
  });
});
