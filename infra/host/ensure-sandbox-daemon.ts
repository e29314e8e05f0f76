import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import { sandboxDaemonLayout as layout } from '../../sandbox-engine/src/isolation/sandbox-daemon-layout.js';
import { runCommand, systemEnv } from '../../sandbox-engine/src/process/run-command.js';
import { waitUntil } from '../../sandbox-engine/src/process/wait-until.js';
import { secondsSince } from '../lib/start-heartbeat.js';

export interface SandboxDaemonOptions {
  socket: string;
  dataDir: string;
  /** The host's engine (where the image catalog is built). */
  catalogSocket: string;
  /** Images the sandbox daemon must hold (the sandbox image), copied from the host's engine. */
  images: string[];
  timeoutMs?: number;
}

/** The flags of the platform's sandbox daemon; see PLATFORM-NOTES "User-namespaced sandboxes". */
export function sandboxDaemonArgs(socket: string, dataDir: string): string[] {
  return [
    '--host', `unix://${socket}`,
    '--data-root', join(dataDir, layout.dataRootName),
    '--exec-root', layout.execRoot,
    '--pidfile', layout.pidFile,
    // Root in every container is uid 100000+ on the host (user dockremap, made by dockerd).
    '--userns-remap', 'default',
    // Its own bridge, never docker0 (`--bridge none` would delete the host engine's docker0).
    '--bridge', layout.bridge,
    // Never let a second daemon manage iptables: it deletes the host engine's DOCKER chains. The
    // platform's firewall (sandbox-firewall.ts) does NAT and filtering for sandboxes.
    '--iptables=false', '--ip6tables=false', '--ip-masq=false', '--ip-forward=false',
    '--default-address-pool', `base=${layout.pool.base},size=${layout.pool.size}`,
    // Sandboxes keep running while this daemon restarts (upgrade, crash).
    '--live-restore',
    '--exec-opt', 'native.cgroupdriver=cgroupfs',
    '--log-driver', 'json-file', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=1',
  ];
}

/**
 * Makes the platform's sandbox daemon answer on its socket: its bridge, then dockerd (detached, it
 * outlives this process like the host's), then the sandbox image copied from the host's engine when
 * it is missing or older. The operator's own Docker Engine is not reconfigured.
 */
export async function ensureSandboxDaemon(log: (line: string) => void, options: SandboxDaemonOptions): Promise<void> {
  const docker = new Docker({ socketPath: options.socket });
  await ensureBridge(log);
  if (await answers(docker)) {
    log(`sandbox daemon: answering on ${options.socket}`);
  } else {
    await startDaemon(log, docker, options);
  }
  const catalog = new Docker({ socketPath: options.catalogSocket });
  for (const ref of options.images) await copyImage(log, catalog, docker, ref);
}

async function answers(docker: Docker): Promise<boolean> {
  return docker.ping().then(
    () => true,
    () => false,
  );
}

async function ensureBridge(log: (line: string) => void): Promise<void> {
  const shown = await runCommand('ip', ['-4', '-o', 'addr', 'show', 'dev', layout.bridge], { allowFailure: true });
  if (shown.code === 0 && shown.stdout.includes(layout.bridgeCidr)) return;
  if (shown.code !== 0) await runCommand('ip', ['link', 'add', layout.bridge, 'type', 'bridge']);
  await runCommand('ip', ['addr', 'replace', layout.bridgeCidr, 'dev', layout.bridge]);
  await runCommand('ip', ['link', 'set', layout.bridge, 'up']);
  log(`sandbox daemon: bridge ${layout.bridge} ${layout.bridgeCidr}`);
}

function runningPid(): number | undefined {
  try {
    const pid = Number(readFileSync(layout.pidFile, 'utf8').trim());
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd' ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function startDaemon(log: (line: string) => void, docker: Docker, options: SandboxDaemonOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  let exited: string | undefined;
  if (runningPid()) {
    log(`sandbox daemon: dockerd (pid ${runningPid()}) runs but does not answer yet; waiting`);
  } else {
    mkdirSync(dirname(layout.logFile), { recursive: true });
    mkdirSync(dirname(options.socket), { recursive: true });
    const fd = openSync(layout.logFile, 'a');
    const child = spawn('dockerd', sandboxDaemonArgs(options.socket, options.dataDir), { detached: true, stdio: ['ignore', fd, fd], env: systemEnv() });
    closeSync(fd);
    child.on('exit', (code, signal) => (exited = `dockerd exited (${signal ?? `code ${code}`})`));
    child.on('error', (error) => (exited = `dockerd could not start: ${error.message}`));
    child.unref();
    log(`sandbox daemon: started dockerd (pid ${child.pid}, user-namespaced), log ${layout.logFile}`);
  }
  if (await waitUntil(() => answers(docker), { timeoutMs: timeoutMs - (Date.now() - started), intervalMs: 300, stopped: () => exited !== undefined })) {
    log(`sandbox daemon: answering after ${secondsSince(started)} s`);
    return;
  }
  const tail = existsSync(layout.logFile) ? readFileSync(layout.logFile, 'utf8').trimEnd().split('\n').slice(-15).join('\n') : '(no log)';
  throw new Error(`sandbox daemon: ${exited ?? `no answer within ${timeoutMs / 1000} s`}. Last lines of ${layout.logFile}:\n${tail}`);
}

/** `docker save` on the host's engine into `docker load` on the sandbox daemon, when the ids differ. */
async function copyImage(log: (line: string) => void, from: Docker, to: Docker, ref: string): Promise<void> {
  const source = await from.getImage(ref).inspect();
  const target = await to
    .getImage(ref)
    .inspect()
    .catch(() => undefined);
  if (target?.Id === source.Id) return;
  const started = Date.now();
  const tar = await from.getImage(ref).get();
  const response = await to.loadImage(tar, { quiet: true });
  const text = await new Promise<string>((resolve, reject) => {
    let body = '';
    response.on('data', (chunk: Buffer) => (body += chunk.toString()));
    response.on('end', () => resolve(body));
    response.on('error', reject);
  });
  if (/"error"/.test(text)) throw new Error(`sandbox daemon: loading ${ref} failed: ${text.slice(-400)}`);
  // The old copy, now untagged, would only take space.
  if (target) await to.getImage(target.Id).remove().catch(() => undefined);
  log(`sandbox daemon: ${ref} copied from the host's engine in ${secondsSince(started)} s`);
}

/** Stops the sandbox daemon (its sandboxes stop with it) and removes its bridge: for `npm run teardown`. */
export async function stopSandboxDaemon(log: (line: string) => void): Promise<void> {
  const pid = runningPid();
  if (pid) {
    process.kill(pid, 'SIGTERM');
    await waitUntil(() => !runningPid(), { timeoutMs: 30_000, intervalMs: 200 });
    log(`sandbox daemon: stopped (pid ${pid})`);
  }
  await runCommand('ip', ['link', 'delete', layout.bridge], { allowFailure: true });
}
