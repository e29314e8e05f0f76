import type { Logger } from '../log/logger.js';
import { exitCodes } from './exit-codes.js';

/**
 * Crash-only: an uncaught exception or an unhandled rejection is logged with its stack and ends
 * the process at once (no clean-up: sandboxes stay up, and what was not saved is lost). The
 * supervisor starts a new engine, which re-adopts the live sandboxes.
 */
export function exitOnCrash(log: Logger, exit: (code: number) => void = (code) => process.exit(code)): void {
  const crash = (kind: string, error: unknown) => {
    // The logger keeps an Error's message, type and stack.
    log.error('process.crashed', { kind, error });
    exit(exitCodes.crashed);
  };
  process.on('uncaughtException', (error) => crash('uncaught-exception', error));
  process.on('unhandledRejection', (reason) => crash('unhandled-rejection', reason));
}
