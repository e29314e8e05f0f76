import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { repoRoot } from '../support/start-test-engine.js';

/** The line load-engine-main.ts prints once its engine serves. */
export const ENGINE_READY_MARKER = 'DOCKYARD_LOAD_ENGINE ';

const readySchema = z.object({ url: z.string().url(), instance: z.string() });

export interface LoadEngine {
  url: string;
  instance: string;
  pid: number;
  /** Destroys the engine's sandboxes and ends it (SIGKILL after `timeoutMs`); resolves with how it ended. */
  stop(timeoutMs: number): Promise<'clean' | 'killed' | 'failed'>;
}

/**
 * Starts an engine in a child process (test/bench/load-engine-main.ts) with these settings on top of
 * the test engine's (loopback, port 0); its log goes to `logFile`. Resolves once it serves and the
 * lesson's seed exists.
 */
export async function startLoadEngine(settings: Record<string, string>, lesson: string, logFile: string, timeoutMs = 300_000): Promise<LoadEngine> {
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/bench/load-engine-main.ts'), JSON.stringify(settings), lesson], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', log],
  });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<z.infer<typeof readySchema>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the load's engine did not serve within ${timeoutMs / 1000} s (log: ${logFile})`)), timeoutMs);
    lines.on('line', (line) => {
      if (!line.startsWith(ENGINE_READY_MARKER)) return;
      clearTimeout(timer);
      resolve(readySchema.parse(JSON.parse(line.slice(ENGINE_READY_MARKER.length))));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the load's engine exited with code ${code} before serving (log: ${logFile})`));
    });
  }).catch((error: Error) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    ...ready,
    pid: child.pid!,
    async stop(stopTimeoutMs) {
      if (child.exitCode !== null) return child.exitCode === 0 ? 'clean' : 'failed';
      child.stdin?.end();
      child.kill('SIGTERM');
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), stopTimeoutMs).unref());
      const code = await Promise.race([exited, timer]);
      if (code !== 'timeout') return code === 0 ? 'clean' : 'failed';
      child.kill('SIGKILL');
      await exited;
      return 'killed';
    },
  };
}
