import { freePort } from '../support/free-port.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { instanceResources, requireDocker, sandboxDocker } from '../support/docker-state.js';
import { repoRoot, startTestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';
import { labelFilter } from '../../sandbox-engine/src/contracts/docker-labels.js';

const lesson = 'postgres-in-a-container';
const dataDir = process.env.DOCKYARD_DATA_DIR ?? '/var/lib/dockyard';


/** Processes whose parent is `pid` (from /proc), optionally only those running `entry`. */
function childrenOf(pid: number, entry?: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) return false;
        return !entry || readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(entry);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, output = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; supervisor output:\n${output().slice(-3000)}`);
}

const allZero = (resources: Record<string, number>) => Object.fromEntries(Object.keys(resources).map((key) => [key, 0]));

const sandboxIds = async (instance: string) =>
  (await sandboxDocker.listContainers({ all: true, filters: { label: [labelFilter('instance', instance)] } })).map((container) => container.Id);

describe('engine crash', () => {
  const instance = `test-${randomBytes(3).toString('hex')}`;
  let supervisor: ChildProcess | undefined;

  afterAll(async () => {
    // Only after a failure: stop what is left and end the instance's sandboxes.
    if (supervisor && supervisor.exitCode === null && supervisor.signalCode === null) {
      const engines = childrenOf(supervisor.pid!);
      supervisor.kill('SIGKILL');
      for (const pid of engines) process.kill(pid, 'SIGKILL');
    }
    if (Object.values(await instanceResources(instance)).some((count) => count > 0)) {
      await using cleanup = await startTestEngine({ DOCKYARD_INSTANCE: instance });
      await cleanup.engine.sessions.destroyAll();
    }
  });

  it('a SIGKILLed engine comes back and the learner reconnects to the same sandbox with its scrollback', async () => {
    await requireDocker();
    const [port, previewPort] = [await freePort(), await freePort()];
    // No warm pool: the test counts the learner's sandbox alone.
    const env = { ...process.env, HOST: '127.0.0.1', PORT: String(port), PREVIEW_PORT: String(previewPort), DOCKYARD_INSTANCE: instance, LOG_LEVEL: 'warn', WARM_POOL_SIZE: '0' };
    const running = spawn(process.execPath, ['--import', 'tsx', 'sandbox-engine/src/main.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    supervisor = running;
    let output = '';
    running.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    running.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => running.once('exit', (code) => resolve(code)));
    const readyCount = () => output.split('Dockyard Lessons is ready: ').length - 1;
    const log = () => output;

    await until('the engine to be ready', () => readyCount() >= 1, 180_000, log);
    const url = `http://127.0.0.1:${port}/`;
    expect(output).toContain(`Dockyard Lessons is ready: http://127.0.0.1:${port}/`);

    const learner = new TestLearner(url, lesson);
    const created = await learner.startSession();
    expect(created.status).toBe(201);
    const sessionId = created.body.data!.sessionId;
    const sandboxes = await sandboxIds(instance);
    expect(sandboxes).toHaveLength(1);
    await learner.connect();
    await learner.attach(0);
    learner.type('echo marker-$((6*7))\r');
    await learner.waitForOutput(/marker-42/, 60_000);
    // The journal is written every 100 ms: a kill loses at most that much output.
    await sleep(500);
    expect(existsSync(path.join(dataDir, 'sessions', `${instance}-${sessionId}`, 'main.out'))).toBe(true);

    // The supervisor's children: the engine (and tsx's esbuild service).
    const [engine, ...others] = childrenOf(running.pid!, 'engine-main.ts');
    expect(others).toEqual([]);
    process.kill(engine!, 'SIGKILL');
    await until('the supervisor to start the engine again', () => readyCount() >= 2, 180_000, log);
    expect(childrenOf(running.pid!, 'engine-main.ts')).not.toContain(engine);
    const restart = output.split('\n').find((line) => line.includes('supervisor.engine.restarting'));
    expect(JSON.parse(restart!)).toMatchObject({ pid: engine, code: null, signal: 'SIGKILL' });

    // The same learner (same key) gets the same session and sandbox back.
    const resumed = await learner.startSession();
    expect(resumed.status).toBe(200);
    expect(resumed.body.data).toMatchObject({ sessionId, resumed: true });
    expect(await sandboxIds(instance)).toEqual(sandboxes);
    const socket = await learner.connect();
    let replay = '';
    socket.on('terminal:output', ({ terminalId, data }) => {
      if (terminalId === 'main') replay += data;
    });
    await learner.attach(0);
    expect(replay).toContain('marker-42');
    expect(replay).toContain('[The server restarted: this is a new shell. Your files and containers are as you left them.]');
    // What the learner had not seen yet is only the notice and the new shell's output.
    expect(learner.output.match(/marker-42/g)).toHaveLength(1);
    learner.type('echo again-$((6*7+1))\r');
    await learner.waitForOutput(/again-43/, 30_000);

    expect(await learner.endSession()).toBe(200);
    learner.disconnect();
    const resources = await instanceResources(instance);
    expect(resources).toEqual(allZero(resources));
    expect(existsSync(path.join(dataDir, 'sessions', `${instance}-${sessionId}`))).toBe(false);

    const [restarted] = childrenOf(running.pid!, 'engine-main.ts');
    running.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(`/proc/${restarted}`)).toBe(false);
  });
});
