import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import type { Config } from '../config/config-schema.js';
import { BoundedOutput } from './bounded-output.js';
import type { CgroupV1Delegation, Owner } from '../isolation/cgroup-v1-delegation.js';
import { applyUserNamespaceLimits, type UserNamespaceLimits } from '../isolation/user-namespace-limits.js';
import { sandboxBridgeName } from '../isolation/sandbox-daemon-layout.js';
import { sandboxHostConfig } from './sandbox-hardening.js';
import {
  ExecOutputFloodError,
  ExecTimeoutError,
  type ExecOptions,
  type ExecResult,
  type PipeOutput,
  type SandboxCreateSpec,
  type SandboxDriver,
  type SandboxSummary,
  type ShellOptions,
  type ShellStream,
} from './sandbox-driver.js';
import { innerSocketFromHost, pingDaemonSocket } from './inner-daemon-ping.js';

const labelFilter = (labels: Record<string, string>) => Object.entries(labels).map(([key, value]) => `${key}=${value}`);

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: number }).statusCode === 404;
}

/** Collects a stream's text, keeping at most `limit` characters (the tail). */
/** Output past this many times the kept tail ends the command: nothing the engine runs prints that much. */
const FLOOD_FACTOR = 8;

export interface DockerSandboxDriverOptions {
  /** The daemon sandboxes run on: the platform's user-namespaced one, or the host's (trusted). */
  docker: Docker;
  config: Config;
  /** Who the sandbox's root is on the host. */
  owner: Owner;
  /** Host-owned parent cgroups holding the limits (userns isolation on cgroup v1). */
  delegation?: CgroupV1Delegation;
  /** Each sandbox's own namespace and watch counts (userns isolation), set as it starts. */
  userNamespaceLimits?: UserNamespaceLimits;
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** Sandboxes as Docker-in-Docker containers, through dockerode. */
export class DockerSandboxDriver implements SandboxDriver {
  private readonly docker: Docker;
  private readonly config: Config;
  readonly owner: Owner;
  private readonly delegation: CgroupV1Delegation | undefined;
  private readonly userNamespaceLimits: UserNamespaceLimits | undefined;

  constructor(options: DockerSandboxDriverOptions) {
    this.userNamespaceLimits = options.userNamespaceLimits;
    this.docker = options.docker;
    this.config = options.config;
    this.owner = options.owner;
    this.delegation = options.delegation;
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async imageId(ref: string): Promise<string | undefined> {
    return this.docker
      .getImage(ref)
      .inspect()
      .then((image) => image.Id)
      .catch((error) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
  }

  async create(spec: SandboxCreateSpec): Promise<string> {
    const { config, delegation } = this;
    const userns = config.SANDBOX_ISOLATION === 'userns';
    // Sandbox bridges are named dyk-…, so the platform's firewall rules (`-i dyk+`) cover them all.
    const Options: Record<string, string> = userns ? { 'com.docker.network.bridge.name': sandboxBridgeName(spec.name, hash) } : {};
    await this.docker.createNetwork({ Name: spec.name, Driver: 'bridge', Labels: spec.labels, Options, CheckDuplicate: true });
    try {
      if (delegation) {
        await delegation.prepareParent(spec.name, { memoryBytes: config.SANDBOX_MEMORY_MB * 1024 * 1024, pids: config.SANDBOX_PIDS, cpus: config.SANDBOX_CPUS });
      }
      const container = await this.docker.createContainer({
        name: spec.name,
        Hostname: 'sandbox',
        Image: config.SANDBOX_IMAGE,
        Labels: spec.labels,
        Env: spec.env ?? [],
        HostConfig: sandboxHostConfig(config, {
          diskDir: spec.diskDir,
          network: spec.name,
          cgroupParent: delegation?.parentPath(spec.name),
        }),
      });
      // runc deletes the container's own cgroups on every stop: hand them over again before each start.
      await delegation?.delegate(spec.name, container.id, this.owner);
      await container.start();
      if (this.userNamespaceLimits) await applyUserNamespaceLimits((await container.inspect()).State.Pid, this.userNamespaceLimits);
      // Its start is CPU-bound and nobody's yet: more CPU until waitReady puts it on its own limits.
      if (delegation && config.SANDBOX_START_CPUS > config.SANDBOX_CPUS) await delegation.setCpus(spec.name, container.id, config.SANDBOX_START_CPUS);
      return container.id;
    } catch (error) {
      await this.destroy(spec.name).catch(() => undefined);
      throw error;
    }
  }

  async waitReady(containerId: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const container = this.docker.getContainer(containerId);
    const running = async () => {
      const info = await container.inspect();
      if (info.State.Running && info.State.Pid > 0) return info;
      const logs = await container.logs({ stdout: true, stderr: true, tail: 20 });
      throw new Error(`sandbox stopped while starting (exit ${info.State.ExitCode}): ${logs.toString('utf8').slice(-500)}`);
    };
    const info = await running();
    // Pinged from the host through the sandbox's root: no process in the sandbox, no exec.
    let last = '';
    let looked = Date.now();
    while (Date.now() < deadline) {
      const ping = await pingDaemonSocket(innerSocketFromHost(info.State.Pid), Math.min(2000, Math.max(1, deadline - Date.now())));
      if (ping.ok) {
        // The same process still (its pid was not reused by another after it ended).
        if ((await running()).State.Pid !== info.State.Pid) throw new Error('the sandbox restarted while starting');
        // Its namespace and watch counts were set by create: only the start's extra CPU goes.
        await this.cutToRunningCpus(info.Name.replace(/^\//, ''), containerId);
        return;
      }
      last = ping.reason;
      if (Date.now() - looked >= 1000) {
        await running();
        looked = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`the sandbox's Docker daemon did not answer within ${timeoutMs} ms (${last})`);
  }

  async applyRunningLimits(name: string, containerId: string): Promise<void> {
    await this.cutToRunningCpus(name, containerId);
    if (this.userNamespaceLimits) await applyUserNamespaceLimits(await this.processId(containerId), this.userNamespaceLimits);
  }

  /** SANDBOX_CPUS again, after the SANDBOX_START_CPUS create gave the sandbox for its start. */
  private async cutToRunningCpus(name: string, containerId: string): Promise<void> {
    if (this.delegation) await this.delegation.setCpus(name, containerId, this.config.SANDBOX_CPUS);
  }

  async list(labels: Record<string, string>): Promise<SandboxSummary[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: labelFilter(labels) } });
    return containers.map((c) => ({
      containerId: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      running: c.State === 'running',
      labels: c.Labels,
    }));
  }

  async exec(containerId: string, argv: string[], options: ExecOptions): Promise<ExecResult> {
    const limit = options.maxOutputChars ?? 1024 * 1024;
    const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    // `timeout` inside the sandbox ends the command itself; the abort below ends our wait for it.
    const exec = await this.docker.getContainer(containerId).exec({
      Cmd: ['timeout', '-k', '2', String(seconds), ...argv],
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: options.stdin !== undefined,
      Tty: false,
    });
    const started = Date.now();
    const stream = await exec.start({ hijack: true, stdin: options.stdin !== undefined });
    let flooded: ((total: number) => void) | undefined;
    const onFlood = (total: number) => flooded?.(total);
    const stdout = new BoundedOutput(limit, limit * FLOOD_FACTOR, onFlood);
    const stderr = new BoundedOutput(limit, limit * FLOOD_FACTOR, onFlood);
    this.docker.modem.demuxStream(stream, stdout, stderr);
    if (options.stdin) options.stdin.pipe(stream);

    await new Promise<void>((resolve, reject) => {
      // Ending the stream ends the command too (its next write fails).
      flooded = (total) => finish(new ExecOutputFloodError(`the command printed more than ${Math.floor(total / 1024)} KiB; it was stopped`));
      const timer = setTimeout(() => finish(new ExecTimeoutError(`timed out after ${Math.round(options.timeoutMs / 1000)} s`)), options.timeoutMs + 3000);
      const onAbort = () => finish(new ExecTimeoutError(`timed out after ${Math.round(options.timeoutMs / 1000)} s`));
      const finish = (error?: Error) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) {
          stream.destroy();
          reject(error);
        } else resolve();
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('end', () => finish());
      stream.on('close', () => finish());
      stream.on('error', (error: Error) => finish(error));
    });
    const { ExitCode } = await exec.inspect();
    const exitCode = ExitCode ?? -1;
    // 124 after the whole budget: `timeout` ended the command (sooner, it is the command's own 124).
    if (exitCode === 124 && Date.now() - started >= seconds * 1000 - 50) throw new ExecTimeoutError(`timed out after ${seconds} s`);
    return { exitCode, stdout: stdout.text, stderr: stderr.text };
  }

  async openShell(containerId: string, options: ShellOptions): Promise<ShellStream> {
    const exec = await this.docker.getContainer(containerId).exec({
      Cmd: ['bash', '-l'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      WorkingDir: '/root',
      Env: ['TERM=xterm-256color', 'LANG=C.UTF-8', 'HOME=/root', ...(options.env ?? [])],
    });
    const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
    // Nobody else listens yet: without this an early stream error would be an uncaught exception (the
    // engine exits on those). It stays, harmless, once the terminal adds its own listeners.
    let failure: Error | undefined;
    stream.on('error', (error: Error) => (failure ??= error));
    const resize = async (cols: number, rows: number) => {
      await exec.resize({ w: cols, h: rows });
    };
    await resize(options.cols, options.rows).catch(() => undefined);
    if (failure) {
      stream.destroy();
      throw failure;
    }
    return { stream, resize };
  }

  async openPipe(containerId: string, argv: string[], output: PipeOutput): Promise<Duplex> {
    const exec = await this.docker.getContainer(containerId).exec({ Cmd: argv, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
    const stream = await exec.start({ hijack: true, stdin: true });
    // As in openShell: an error before the caller listens must not be an uncaught exception.
    stream.on('error', () => undefined);
    this.docker.modem.demuxStream(stream, output.stdout, output.stderr);
    return stream;
  }

  async stop(containerId: string, timeoutSeconds: number): Promise<void> {
    await this.docker.getContainer(containerId).stop({ t: timeoutSeconds }).catch((error) => {
      if (!isNotFound(error) && (error as { statusCode?: number }).statusCode !== 304) throw error;
    });
  }

  async destroy(name: string): Promise<void> {
    await this.docker
      .getContainer(name)
      .remove({ force: true, v: true })
      .catch((error) => {
        if (!isNotFound(error)) throw error;
      });
    await this.docker
      .getNetwork(name)
      .remove()
      .catch((error) => {
        if (!isNotFound(error)) throw error;
      });
    await this.delegation?.release(name);
  }

  /** Parent cgroups whose names start with the prefix and that have no container: left over by a crash. */
  async removeOrphanCgroups(namePrefix: string): Promise<number> {
    if (!this.delegation) return 0;
    const live = new Set((await this.docker.listContainers({ all: true })).map((c) => (c.Names[0] ?? '').replace(/^\//, '')));
    let removed = 0;
    for (const name of await this.delegation.parents()) {
      if (name.startsWith(namePrefix) && !live.has(name)) {
        await this.delegation.release(name).catch(() => undefined);
        removed += 1;
      }
    }
    return removed;
  }

  async putArchive(containerId: string, directory: string, tar: Buffer): Promise<void> {
    await this.docker.getContainer(containerId).putArchive(tar, { path: directory });
  }

  async processId(containerId: string): Promise<number> {
    const info = await this.docker.getContainer(containerId).inspect();
    if (!info.State.Running || !(info.State.Pid > 0)) throw new Error('the sandbox is not running');
    return info.State.Pid;
  }

  async address(containerId: string): Promise<string> {
    const info = await this.docker.getContainer(containerId).inspect();
    const network = Object.values(info.NetworkSettings.Networks ?? {})[0];
    if (!network?.IPAddress) throw new Error('the sandbox has no network address');
    return network.IPAddress;
  }

  async removeOrphanNetworks(labels: Record<string, string>): Promise<number> {
    const networks = await this.docker.listNetworks({ filters: { label: labelFilter(labels) } });
    let removed = 0;
    for (const summary of networks) {
      const network = await this.docker.getNetwork(summary.Id).inspect().catch(() => undefined);
      if (network && Object.keys(network.Containers ?? {}).length === 0) {
        await this.docker.getNetwork(summary.Id).remove().catch(() => undefined);
        removed += 1;
      }
    }
    return removed;
  }
}
