import { ConfigError, loadConfig } from '../config/load-config.js';
import { createLogger } from '../log/logger.js';
import { createEngine } from './create-engine.js';
import { acquireEngineLock, EngineLockedError } from './engine-lock.js';
import { exitCodes } from './exit-codes.js';
import { exitOnCrash } from './exit-on-crash.js';

/**
 * Starts the engine from the environment, prints its URL, and stops it cleanly on SIGINT/SIGTERM
 * (or when the supervisor that started it goes away). A crash ends the process: see exitOnCrash.
 */
export async function runEngine(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(exitCodes.config);
    }
    throw error;
  }
  const log = createLogger(config.LOG_LEVEL, { instance: config.DOCKYARD_INSTANCE });
  exitOnCrash(log);

  // Before anything touches the sandboxes: a second engine would adopt (and remove) the first's.
  const lock = await acquireEngineLock(config.DOCKYARD_DATA_DIR, config.DOCKYARD_INSTANCE).catch((error: Error) => {
    if (!(error instanceof EngineLockedError)) throw error;
    console.error(`Dockyard Lessons could not start: ${error.message}`);
    // Starting again cannot help while the other engine runs.
    process.exit(exitCodes.alreadyRunning);
  });
  const engine = await createEngine(config, log);
  const url = await engine.listen();
  await lock.update(url).catch((error) => log.warn('engine.lock.update.failed', { error }));
  console.log(`\nDockyard Lessons is ready: ${url}`);
  console.log(
    config.SANDBOX_ISOLATION === 'userns'
      ? 'Sandbox isolation: userns (root in a sandbox is an unprivileged user on this host)\n'
      : 'WARNING: SANDBOX_ISOLATION=trusted: root in a sandbox can become root on this host. Never serve strangers like this.\n',
  );

  // Ctrl-C reaches the engine twice (from the terminal and forwarded by the supervisor): stop once.
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info('engine.stopping', { reason });
    await engine.close();
    await lock.release();
    process.exit(exitCodes.stopped);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // Started by a supervisor (an IPC channel): an engine must not outlive it, or a new one could not bind the port.
  if (process.connected) process.once('disconnect', () => void stop('supervisor-gone'));
}
