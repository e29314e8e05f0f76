/** How an engine process ends, so its supervisor knows whether starting it again can help. */
export const exitCodes = {
  /** Stopped on SIGINT/SIGTERM (or its supervisor went away). */
  stopped: 0,
  /** Start-up failed (Docker not answering, port taken, …): may work on another try. */
  failed: 1,
  /** The configuration is invalid: starting again cannot help. */
  config: 2,
  /** Another engine runs on the same data directory and instance (engine-lock.ts): starting again cannot help. */
  alreadyRunning: 3,
  /** An uncaught exception or unhandled rejection (EX_SOFTWARE). */
  crashed: 70,
} as const;
