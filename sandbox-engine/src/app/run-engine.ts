import { ConfigError, loadConfig } from '../config/load-config.js';
import { createLogger } from '../log/logger.js';
import { createEngine } from './create-engine.js';

/** Starts the engine from the environment, prints its URL, and stops it cleanly on SIGINT/SIGTERM. */
export async function runEngine(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.LOG_LEVEL, { instance: config.DOCKYARD_INSTANCE });
  process.on('unhandledRejection', (reason) => log.error('process.unhandled-rejection', { error: reason }));
  process.on('uncaughtException', (error) => log.error('process.uncaught-exception', { error }));

  const engine = await createEngine(config, log);
  const url = await engine.listen();
  console.log(`\nDockyard Lessons is ready: ${url}`);
  console.log(
    config.SANDBOX_ISOLATION === 'userns'
      ? 'Sandbox isolation: userns (root in a sandbox is an unprivileged user on this host)\n'
      : 'WARNING: SANDBOX_ISOLATION=trusted: root in a sandbox can become root on this host. Never serve strangers like this.\n',
  );

  const stop = async (signal: string) => {
    log.info('engine.stopping', { signal });
    await engine.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
