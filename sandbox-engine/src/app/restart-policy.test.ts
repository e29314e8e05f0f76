import { describe, expect, it } from 'vitest';
import { exitCodes } from './exit-codes.js';
import { decideRestart, defaultRestartPolicy, noRestarts, type RestartDecision, type RestartHistory } from './restart-policy.js';

const crash = (at: number, uptimeMs = 1_000) => ({ code: exitCodes.crashed, signal: null, uptimeMs, at });

/** Feeds crashes one after another, as the supervisor would, and returns every decision. */
function replay(exits: ReturnType<typeof crash>[]): RestartDecision[] {
  let history: RestartHistory = noRestarts;
  return exits.map((exit) => {
    const decision = decideRestart(exit, history);
    if (decision.action === 'restart') history = decision.history;
    return decision;
  });
}

describe('decideRestart', () => {
  it('does not restart an engine that stopped cleanly', () => {
    expect(decideRestart({ code: 0, signal: null, uptimeMs: 5_000, at: 0 }, noRestarts)).toMatchObject({ action: 'exit', code: 0 });
  });

  it('does not restart an engine whose configuration is invalid', () => {
    expect(decideRestart({ code: exitCodes.config, signal: null, uptimeMs: 100, at: 0 }, noRestarts)).toMatchObject({ action: 'exit', code: exitCodes.config });
    // Nor one that found another engine on its data directory.
    expect(decideRestart({ code: exitCodes.alreadyRunning, signal: null, uptimeMs: 100, at: 0 }, noRestarts)).toMatchObject({ action: 'exit', code: exitCodes.alreadyRunning });
  });

  it('restarts after a crash or a kill by signal, first after half a second', () => {
    expect(decideRestart(crash(0), noRestarts)).toMatchObject({ action: 'restart', delayMs: 500 });
    expect(decideRestart({ code: null, signal: 'SIGKILL', uptimeMs: 1_000, at: 0 }, noRestarts)).toMatchObject({ action: 'restart', delayMs: 500 });
    expect(decideRestart({ code: exitCodes.failed, signal: null, uptimeMs: 1_000, at: 0 }, noRestarts)).toMatchObject({ action: 'restart' });
  });

  it('doubles the wait for quick crashes, up to 30 s', () => {
    // 40 s apart: 9 crashes stay under the storm limit.
    const exits = Array.from({ length: 9 }, (_, i) => crash(i * 40_000));
    expect(replay(exits).map((decision) => (decision.action === 'restart' ? decision.delayMs : decision.code))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('starts the wait again after an engine stayed up a minute', () => {
    const [, , third] = replay([crash(0), crash(10_000), crash(200_000, 60_000)]);
    expect(third).toMatchObject({ action: 'restart', delayMs: 500 });
  });

  it('gives up after 10 crashes within 10 minutes, with a message saying so', () => {
    const decisions = replay(Array.from({ length: 10 }, (_, i) => crash(i * 30_000)));
    expect(decisions.slice(0, 9).every((decision) => decision.action === 'restart')).toBe(true);
    expect(decisions[9]).toMatchObject({ action: 'exit', code: exitCodes.failed });
    expect(decisions[9]).toHaveProperty('reason', expect.stringMatching(/ended 10 times within 10 minutes/));
  });

  it('never gives up on engines that ran before crashing (a crash a client could trigger)', () => {
    const decisions = replay(Array.from({ length: 30 }, (_, i) => crash(i * 20_000, 15_000)));
    expect(decisions.every((decision) => decision.action === 'restart')).toBe(true);
    expect(decisions.at(-1)).toMatchObject({ delayMs: 30_000 });
  });

  it('forgets crashes older than the window', () => {
    // 70 s apart: never 10 within 10 minutes.
    const decisions = replay(Array.from({ length: 12 }, (_, i) => crash(i * 70_000)));
    expect(decisions.every((decision) => decision.action === 'restart')).toBe(true);
  });

  it('is configurable', () => {
    const policy = { ...defaultRestartPolicy, maxCrashes: 2, firstDelayMs: 10 };
    const first = decideRestart(crash(0), noRestarts, policy);
    expect(first).toMatchObject({ action: 'restart', delayMs: 10 });
    expect(decideRestart(crash(1), (first as { history: RestartHistory }).history, policy)).toMatchObject({ action: 'exit' });
  });
});
