import { describe, expect, it } from 'vitest';
import { requireDocker } from '../support/docker-state.js';
import { startTestEngine } from '../support/start-test-engine.js';

describe('local registry mirror', () => {
  it('serves an image the lesson does not preload under its usual name', async () => {
    await requireDocker();
    await using test = await startTestEngine();
    const session = await test.engine.sessions.create('postgres-in-a-container');
    const run = (command: string) =>
      test.engine.sessions.shellFor(session).run(command, { timeoutMs: 120_000, signal: AbortSignal.timeout(125_000) });
    // debian:bookworm is not in lesson 1's seed: it comes from the mirror, as from Docker Hub on the internet.
    expect((await run('docker image inspect debian:bookworm >/dev/null 2>&1; echo $?')).stdout.trim()).toBe('1');
    const pulled = await run('docker pull debian:bookworm');
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    const ran = await run('docker run --rm debian:bookworm cat /etc/debian_version');
    expect(ran.stdout).toMatch(/^12\./);
  });
});
