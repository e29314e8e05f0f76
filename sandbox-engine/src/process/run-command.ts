import { spawn } from 'node:child_process';

export type LineStream = 'stdout' | 'stderr';

export interface RunCommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then stdin is closed. */
  input?: string;
  /** Called for every output line (\n or \r terminated) as it arrives. */
  onLine?: (line: string, stream: LineStream) => void;
  /** Kill the child (SIGTERM, then SIGKILL 5 s later) after this long. */
  timeoutMs?: number;
  /** Resolve with the exit code instead of throwing when it is not 0. */
  allowFailure?: boolean;
}

export interface RunCommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Thrown when a command exits non-zero; the message ends with the last lines of its output. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number,
    readonly outputTail: string,
  ) {
    super(`${command} failed (exit ${code})${outputTail ? `:\n${outputTail}` : ''}`);
    this.name = 'CommandError';
  }
}

const MAX_CAPTURE = 32 * 1024 * 1024;
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The environment with the system sbin/bin directories on PATH (a root shell does not always have them). */
export function systemEnv(extra: NodeJS.ProcessEnv = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const dirs = (base.PATH ?? '').split(':').filter(Boolean);
  for (const dir of SYSTEM_DIRS) if (!dirs.includes(dir)) dirs.push(dir);
  return { ...base, ...extra, PATH: dirs.join(':') };
}

/** Runs a command without a shell, streaming its output line by line and capturing it. */
export function runCommand(command: string, args: string[], options: RunCommandOptions = {}): Promise<RunCommandResult> {
  const printable = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? systemEnv(),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const captured: Record<LineStream, string> = { stdout: '', stderr: '' };
    const pending: Record<LineStream, string> = { stdout: '', stderr: '' };
    const tail: string[] = [];

    const emit = (line: string, stream: LineStream) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      options.onLine?.(line, stream);
    };
    const onData = (stream: LineStream) => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (captured[stream].length < MAX_CAPTURE) captured[stream] += text;
      const parts = (pending[stream] + text).split(/\r\n|\n|\r/);
      pending[stream] = parts.pop() ?? '';
      for (const line of parts) if (line.trim() !== '') emit(line, stream);
    };
    child.stdout?.on('data', onData('stdout'));
    child.stderr?.on('data', onData('stderr'));
    if (options.input !== undefined && child.stdin) child.stdin.end(options.input);

    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }, options.timeoutMs);
    }

    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      for (const stream of ['stdout', 'stderr'] as const) {
        if (pending[stream].trim() !== '') emit(pending[stream], stream);
      }
      const exitCode = code ?? (signal ? 128 : 1);
      if (exitCode !== 0 && !options.allowFailure) {
        reject(new CommandError(printable, exitCode, tail.join('\n')));
        return;
      }
      resolve({ code: exitCode, stdout: captured.stdout, stderr: captured.stderr });
    });
  });
}
