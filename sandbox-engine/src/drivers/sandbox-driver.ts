import type { Duplex, Readable, Writable } from 'node:stream';

export interface SandboxCreateSpec {
  /** Container and network name. */
  name: string;
  labels: Record<string, string>;
  /** The sandbox's mounted disk, laid out by store/sandbox-disk.ts (docker/, root/, tmp/, etc/). */
  diskDir: string;
  env?: string[];
}

export interface SandboxSummary {
  containerId: string;
  name: string;
  running: boolean;
  labels: Record<string, string>;
}

export interface ExecOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  stdin?: Readable;
  /** Output beyond this many characters per stream is dropped (the tail is kept). */
  maxOutputChars?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ShellOptions {
  cols: number;
  rows: number;
  /** More environment variables of the shell, NAME=value (the learner's terminal sets none). */
  env?: string[];
}

/** Where a long-lived process's output goes (openPipe). */
export interface PipeOutput {
  stdout: Writable;
  stderr: Writable;
}

/** An interactive shell in a sandbox: a raw TTY stream. */
export interface ShellStream {
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
}

export class ExecTimeoutError extends Error {
  override name = 'ExecTimeoutError';
}

/** A command run by the engine printed far more than any it runs should (a learner's binary). */
export class ExecOutputFloodError extends Error {
  override name = 'ExecOutputFloodError';
}

/** How the engine reaches sandboxes: one implementation per container runtime. */
export interface SandboxDriver {
  ping(): Promise<void>;
  /** The id of an image on the sandbox daemon, or undefined when it is not there. */
  imageId(ref: string): Promise<string | undefined>;
  /** Creates and starts a sandbox; until waitReady it may use more CPU than its limit (SANDBOX_START_CPUS). */
  create(spec: SandboxCreateSpec): Promise<string>;
  /** Resolves once the sandbox's own Docker daemon answers and the sandbox is on its running limits. */
  waitReady(containerId: string, timeoutMs: number): Promise<void>;
  /**
   * Puts a sandbox on all its running limits again: its CPU back to SANDBOX_CPUS (create gave it
   * more for its start) and its namespace and watch counts. For one adopted after a restart, whose
   * start may have been cut short anywhere.
   */
  applyRunningLimits(name: string, containerId: string): Promise<void>;
  list(labels: Record<string, string>): Promise<SandboxSummary[]>;
  exec(containerId: string, argv: string[], options: ExecOptions): Promise<ExecResult>;
  openShell(containerId: string, options: ShellOptions): Promise<ShellStream>;
  /**
   * Starts a long-lived process without a TTY. The stream returned is its stdin (write; destroy ends
   * the connection, and the process's stdin with it) and its life ('close' when it ends); its output
   * goes to `output`.
   */
  openPipe(containerId: string, argv: string[], output: PipeOutput): Promise<Duplex>;
  /** Stops cleanly (the inner daemon shuts down its containers), then removes nothing. */
  stop(containerId: string, timeoutSeconds: number): Promise<void>;
  /** Removes the container with its anonymous volumes, the network of the same name and its cgroups. */
  destroy(name: string): Promise<void>;
  /** Unpacks a tar archive into a directory of the sandbox (as root). */
  putArchive(containerId: string, directory: string, tar: Buffer): Promise<void>;
  /** The host's process id of the sandbox's first process (its init). */
  processId(containerId: string): Promise<number>;
  /** The sandbox's address on its own network, which the engine's host reaches. */
  address(containerId: string): Promise<string>;
  /** Networks carrying these labels and no containers: left over by a crash. */
  removeOrphanNetworks(labels: Record<string, string>): Promise<number>;
  /** Parent cgroups of sandboxes whose names start with this prefix and that no container uses. */
  removeOrphanCgroups(namePrefix: string): Promise<number>;
}
