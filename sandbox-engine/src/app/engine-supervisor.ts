import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { createLogger, type Logger } from '../log/logger.js';
import { exitCodes } from './exit-codes.js';
import { decideRestart, defaultRestartPolicy, noRestarts, type RestartPolicy } from './restart-policy.js';

/** Where signals come from: the process, or a stand-in in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface SupervisorOptions {
  log: Logger;
  /** The engine's entry module, run by Node with tsx's loader. */
  entry?: string;
  env?: NodeJS.ProcessEnv;
  policy?: RestartPolicy;
  signals?: SignalSource;
  /** After forwarding SIGINT/SIGTERM, how long the engine gets to stop before SIGKILL. */
  stopTimeoutMs?: number;
  /** Called with each engine process as it starts (tests). */
  onStart?: (child: ChildProcess) => void;
}

const forwarded: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
const tsxLoader = () => pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Runs the engine as a child process (stdio shared, so it prints the URL) and starts it again when
 * it ends abnormally: after a wait that doubles with quick crashes, giving up on a restart storm
 * (restart-policy.ts). SIGINT and SIGTERM are passed to the engine; the supervisor ends when it does.
 * Resolves with the exit code for the supervisor's own process.
 */
export function superviseEngine(options: SupervisorOptions): Promise<number> {
  const { log, policy = defaultRestartPolicy, signals = process, stopTimeoutMs = 20_000 } = options;
  const entry = options.entry ?? path.join(import.meta.dirname, 'engine-main.ts');
  const loader = tsxLoader();
  return new Promise((resolve) => {
    let child: ChildProcess | undefined;
    let history = noRestarts;
    let stopping = false;
    let restartTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const finish = (code: number) => {
      for (const signal of forwarded) signals.off(signal, onSignal);
      clearTimeout(restartTimer);
      clearTimeout(killTimer);
      resolve(code);
    };

    const start = () => {
      const startedAt = Date.now();
      // An IPC channel ties the engine to this process: it stops when the supervisor goes away.
      const engine = spawn(process.execPath, ['--import', loader, entry], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env: options.env ?? process.env });
      child = engine;
      log.info('supervisor.engine.started', { pid: engine.pid });
      options.onStart?.(engine);
      engine.once('error', (error) => {
        // The process could not be spawned at all: no exit event follows.
        if (engine.pid !== undefined) return;
        log.error('supervisor.spawn.failed', { error });
        finish(exitCodes.failed);
      });
      engine.once('exit', (code, signal) => {
        child = undefined;
        if (stopping) return finish(code ?? (signal === 'SIGKILL' ? exitCodes.failed : exitCodes.stopped));
        const exit = { code, signal, uptimeMs: Date.now() - startedAt, at: Date.now() };
        const decision = decideRestart(exit, history, policy);
        if (decision.action === 'exit') {
          if (decision.code !== exitCodes.stopped) log.error('supervisor.gave-up', { pid: engine.pid, code, signal, reason: decision.reason });
          return finish(decision.code);
        }
        history = decision.history;
        log.warn('supervisor.engine.restarting', { pid: engine.pid, code, signal, uptimeMs: exit.uptimeMs, delayMs: decision.delayMs });
        restartTimer = setTimeout(start, decision.delayMs);
      });
    };

    function onSignal(signal: NodeJS.Signals) {
      if (stopping) return;
      stopping = true;
      clearTimeout(restartTimer);
      if (!child) return finish(exitCodes.stopped);
      log.info('supervisor.stopping', { signal, pid: child.pid });
      child.kill(signal);
      killTimer = setTimeout(() => child?.kill('SIGKILL'), stopTimeoutMs);
    }
    for (const signal of forwarded) signals.on(signal, onSignal);
    start();
  });
}

/** `npm start` and sandbox-engine/src/main.ts: the engine under its supervisor; exits when supervision ends. */
export async function runSupervisedEngine(): Promise<never> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(exitCodes.config);
  }
  const log = createLogger(config.LOG_LEVEL, { instance: config.DOCKYARD_INSTANCE });
  const code = await superviseEngine({ log });
  process.exit(code);
}
