import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { commandExists } from '../lib/command-exists.js';
import { DEFAULT_DOCKER_SOCKET, hostDocker } from '../lib/host-docker.js';
import { systemEnv } from '../../sandbox-engine/src/process/run-command.js';
import { waitUntil } from '../../sandbox-engine/src/process/wait-until.js';
import { ensureHostPackages } from './ensure-host-packages.js';

export interface EnsureDockerEngineOptions {
  /** The engine's API socket (config.DOCKER_SOCKET). */
  socketPath?: string;
  /** Where a dockerd we start writes its output. */
  logFile?: string;
  /** How long to wait for a dockerd we start to answer. */
  timeoutMs?: number;
}

const DEFAULT_LOG_FILE = '/var/log/dockyard/dockerd.log';

/**
 * Makes the host's Docker Engine answer on its socket (through dockerode): does nothing when it
 * already does; otherwise installs docker.io when dockerd (or the docker CLI learners' tools and
 * tests use) is missing, starts dockerd detached (no systemd here; it outlives this process) and waits.
 */
export async function ensureDockerEngine(
  log: (line: string) => void,
  options: EnsureDockerEngineOptions = {},
): Promise<void> {
  const logFile = options.logFile ?? DEFAULT_LOG_FILE;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const socketPath = options.socketPath ?? DEFAULT_DOCKER_SOCKET;

  const version = await dockerServerVersion(socketPath);
  if (version) {
    log(`docker engine: answering (server ${version})`);
    return;
  }
  if (!(await commandExists('dockerd')) || !(await commandExists('docker'))) {
    await ensureHostPackages(log, [
      { command: 'dockerd', pkg: 'docker.io' },
      { command: 'docker', pkg: 'docker.io' },
    ]);
    // The package's init script may have started it already.
    const afterInstall = await dockerServerVersion(socketPath);
    if (afterInstall) {
      log(`docker engine: answering after install (server ${afterInstall})`);
      return;
    }
  }

  const started = Date.now();
  let exited: string | undefined;
  if (runningDockerdPid()) {
    log(`docker engine: dockerd (pid ${runningDockerdPid()}) runs but does not answer yet; waiting`);
  } else {
    mkdirSync(dirname(logFile), { recursive: true });
    const fd = openSync(logFile, 'a');
    const child = spawn('dockerd', [], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: systemEnv(),
    });
    closeSync(fd);
    child.on('exit', (code, signal) => {
      exited = `dockerd exited (${signal ?? `code ${code}`})`;
    });
    child.on('error', (error) => {
      exited = `dockerd could not start: ${error.message}`;
    });
    child.unref();
    log(`docker engine: started dockerd (pid ${child.pid}), log ${logFile}`);
  }

  const answered = await waitUntil(() => dockerServerVersion(socketPath), {
    timeoutMs: timeoutMs - (Date.now() - started),
    intervalMs: 500,
    stopped: () => exited !== undefined,
  });
  if (answered) {
    log(`docker engine: answering after ${((Date.now() - started) / 1000).toFixed(1)} s (server ${answered})`);
    return;
  }
  throw new Error(
    `docker engine: ${exited ?? `no answer from dockerd within ${timeoutMs / 1000} s`}. ` +
      `Last lines of ${logFile}:\n${tailOf(logFile, 15)}`,
  );
}

/** What is read of the engine's GET /version answer. */
const serverVersionSchema = z.object({ Version: z.string().min(1) });

/** The engine's version when it answers on its socket (also before dockerd is installed: then undefined). */
async function dockerServerVersion(socketPath: string): Promise<string | undefined> {
  try {
    const answer = serverVersionSchema.safeParse(await hostDocker(socketPath, { timeoutMs: 10_000 }).version());
    return answer.success ? answer.data.Version : undefined;
  } catch {
    // No socket yet, connection refused, or no answer within the timeout: not answering.
    return undefined;
  }
}

function runningDockerdPid(): number | undefined {
  try {
    const pid = Number(readFileSync('/var/run/docker.pid', 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd' ? pid : undefined;
  } catch {
    return undefined;
  }
}

function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
