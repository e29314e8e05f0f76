import { exitCodes } from './exit-codes.js';

export interface RestartPolicy {
  /** Wait before the first restart, and after an engine that stayed up resetAfterMs. */
  firstDelayMs: number;
  /** The wait doubles with each quick crash, up to this. */
  maxDelayMs: number;
  /** An engine up this long crashed "fresh": the wait starts again at firstDelayMs. */
  resetAfterMs: number;
  /**
   * A start-up storm: this many engines ending within startupMs of starting, within windowMs, and
   * the supervisor gives up (the engine cannot start: a broken host or install). Engines that ran
   * longer and then crashed are always started again (with the doubling wait), so a crash a remote
   * client can trigger never stops the service for good.
   */
  maxCrashes: number;
  windowMs: number;
  startupMs: number;
}

export const defaultRestartPolicy: RestartPolicy = {
  firstDelayMs: 500,
  maxDelayMs: 30_000,
  resetAfterMs: 60_000,
  maxCrashes: 10,
  windowMs: 10 * 60_000,
  startupMs: 10_000,
};

/** How the engine process ended. */
export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** How long it ran. */
  uptimeMs: number;
  /** When it ended (ms since the epoch). */
  at: number;
}

/** What the supervisor remembers between restarts. */
export interface RestartHistory {
  /** When recent crashes happened. */
  crashes: number[];
  /** The last wait before a restart (0: none yet). */
  lastDelayMs: number;
}

export const noRestarts: RestartHistory = { crashes: [], lastDelayMs: 0 };

export type RestartDecision =
  | { action: 'restart'; delayMs: number; history: RestartHistory }
  | { action: 'exit'; code: number; reason: string };

/** Whether, and after how long, to start the engine again after it ended. */
export function decideRestart(exit: EngineExit, history: RestartHistory, policy: RestartPolicy = defaultRestartPolicy): RestartDecision {
  if (exit.code === exitCodes.stopped) return { action: 'exit', code: exitCodes.stopped, reason: 'the engine stopped' };
  if (exit.code === exitCodes.config) {
    return { action: 'exit', code: exitCodes.config, reason: 'the configuration is invalid: fix it and start again' };
  }
  if (exit.code === exitCodes.alreadyRunning) {
    return { action: 'exit', code: exitCodes.alreadyRunning, reason: 'another engine runs on this data directory and instance: stop it first' };
  }
  const recent = history.crashes.filter((at) => exit.at - at < policy.windowMs);
  const crashes = exit.uptimeMs < policy.startupMs ? [...recent, exit.at] : recent;
  if (crashes.length >= policy.maxCrashes) {
    const minutes = Math.round(policy.windowMs / 60_000);
    return {
      action: 'exit',
      code: exitCodes.failed,
      reason: `the engine ended ${crashes.length} times within ${minutes} minutes right after starting, so it is not started again (see the log above); its sandboxes are still running for the next start`,
    };
  }
  const fresh = history.lastDelayMs === 0 || exit.uptimeMs >= policy.resetAfterMs;
  const delayMs = fresh ? policy.firstDelayMs : Math.min(history.lastDelayMs * 2, policy.maxDelayMs);
  return { action: 'restart', delayMs, history: { crashes, lastDelayMs: delayMs } };
}
