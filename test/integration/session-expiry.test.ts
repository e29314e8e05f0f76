import { describe, expect, it } from 'vitest';
import type { SessionEnded, SessionExpiring } from '../../sandbox-engine/src/contracts/socket-events.js';
import { instanceResources, requireDocker } from '../support/docker-state.js';
import { startTestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const lesson = 'postgres-in-a-container';

describe('idle timeout', () => {
  it('warns before ending an idle session, lets the learner keep it, then ends it and removes everything', async () => {
    await requireDocker();
    await using test = await startTestEngine({ IDLE_TIMEOUT_SECONDS: '8', WARN_BEFORE_SECONDS: '5' });
    const learner = new TestLearner(test.url, lesson);
    await learner.startSession();
    const socket = await learner.connect();
    const warnings: SessionExpiring[] = [];
    const ended: SessionEnded[] = [];
    socket.on('session:expiring', (payload) => warnings.push(payload));
    socket.on('session:ended', (payload) => ended.push(payload));

    const waitFor = async (condition: () => boolean, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error('timed out waiting');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await waitFor(() => warnings.length === 1, 15_000);
    expect(warnings[0]!.reason).toBe('idle');
    const firstDeadline = Date.parse(warnings[0]!.at);
    const kept = await socket.timeout(5000).emitWithAck('session:keepalive', {});
    expect('data' in kept && Date.parse(kept.data.idleExpiresAt)).toBeGreaterThan(firstDeadline);
    expect(ended).toEqual([]);

    await waitFor(() => ended.length === 1, 30_000);
    expect(ended[0]!.reason).toBe('idle');
    expect(warnings.length).toBe(2);
    // The page hears of the end at once; the sandbox's removal follows.
    const deadline = Date.now() + 30_000;
    let left = await instanceResources(test.instance);
    while (Object.values(left).some((count) => count > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      left = await instanceResources(test.instance);
    }
    expect(left).toEqual({ containers: 0, networks: 0, volumes: 0, mounts: 0, cgroups: 0, clones: 0 });
    // Coming back after the end gets a new sandbox, not an error.
    const again = await learner.startSession();
    expect(again.status).toBe(201);
  });
});
