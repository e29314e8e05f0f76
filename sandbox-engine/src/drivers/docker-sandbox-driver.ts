import { Writable } from 'node:stream';
import Docker from 'dockerode';
import type { Config } from '../config/config-schema.js';
import { sandboxHostConfig } from './sandbox-hardening.js';
import {
  ExecTimeoutError,
  type ExecOptions,
  type ExecResult,
  type SandboxCreateSpec,
  type SandboxDriver,
  type SandboxSummary,
  type ShellOptions,
  type ShellStream,
} from './sandbox-driver.js';

const labelFilter = (labels: Record<string, string>) => Object.entries(labels).map(([key, value]) => `${key}=${value}`);

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: number }).statusCode === 404;
}

/** Collects a stream's text, keeping at most `limit` characters (the tail). */
class TailCollector extends Writable {
  text = '';
  constructor(private readonly limit: number) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void) {
    this.text += chunk.toString('utf8');
    if (this.text.length > this.limit) this.text = this.text.slice(-this.limit);
    done();
  }
}

/** Sandboxes as Docker-in-Docker containers on the host's Docker Engine, through dockerode. */
export class DockerSandboxDriver implements SandboxDriver {
  constructor(
    private readonly docker: Docker,
    private readonly config: Config,
  ) {}

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async create(spec: SandboxCreateSpec): Promise<string> {
    await this.docker.createNetwork({ Name: spec.name, Driver: 'bridge', Labels: spec.labels, CheckDuplicate: true });
    try {
      const container = await this.docker.createContainer({
        name: spec.name,
        Hostname: 'sandbox',
        Image: this.config.SANDBOX_IMAGE,
        Labels: spec.labels,
        Env: spec.env ?? [],
        HostConfig: {
          ...sandboxHostConfig(this.config),
          NetworkMode: spec.name,
          Binds: [`${spec.dataRootDir}:/var/lib/docker`],
        },
      });
      await container.start();
      return container.id;
    } catch (error) {
      await this.destroy(spec.name).catch(() => undefined);
      throw error;
    }
  }

  async waitReady(containerId: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const info = await this.docker.getContainer(containerId).inspect();
      if (!info.State.Running) {
        const logs = await this.docker.getContainer(containerId).logs({ stdout: true, stderr: true, tail: 20 });
        throw new Error(`sandbox stopped while starting (exit ${info.State.ExitCode}): ${logs.toString('utf8').slice(-500)}`);
      }
      // A slow answer on a loaded host is not a failure: ask again until the deadline.
      const result = await this.exec(containerId, ['docker', 'version', '--format', '{{.Server.Version}}'], { timeoutMs: 5000 }).catch(
        (error: Error) => ({ exitCode: -1, stdout: '', stderr: error.message }),
      );
      if (result.exitCode === 0) return;
      last = result.stderr.trim();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the sandbox's Docker daemon did not answer within ${timeoutMs} ms (${last})`);
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
    const stdout = new TailCollector(limit);
    const stderr = new TailCollector(limit);
    this.docker.modem.demuxStream(stream, stdout, stderr);
    if (options.stdin) options.stdin.pipe(stream);

    await new Promise<void>((resolve, reject) => {
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
      Env: ['TERM=xterm-256color', 'LANG=C.UTF-8', 'HOME=/root'],
    });
    const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
    const resize = async (cols: number, rows: number) => {
      await exec.resize({ w: cols, h: rows });
    };
    await resize(options.cols, options.rows).catch(() => undefined);
    return { stream, resize };
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
  }

  async putArchive(containerId: string, directory: string, tar: Buffer): Promise<void> {
    await this.docker.getContainer(containerId).putArchive(tar, { path: directory });
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
