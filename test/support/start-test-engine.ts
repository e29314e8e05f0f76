import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createEngine, type Engine } from '../../sandbox-engine/src/app/create-engine.js';
import { loadConfig } from '../../sandbox-engine/src/config/load-config.js';
import { createLogger } from '../../sandbox-engine/src/log/logger.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface TestEngine extends AsyncDisposable {
  engine: Engine;
  url: string;
  instance: string;
}

/** A real engine on 127.0.0.1:<free port>, under an instance name of its own so it adopts nothing else. */
export async function startTestEngine(env: Record<string, string> = {}): Promise<TestEngine> {
  const instance = env.DOCKYARD_INSTANCE ?? `test-${randomBytes(3).toString('hex')}`;
  const config = loadConfig(
    { ...process.env, PORT: '0', PREVIEW_PORT: '0', HOST: '127.0.0.1', DOCKYARD_INSTANCE: instance, LOG_LEVEL: 'warn', ...env },
    repoRoot,
  );
  // A warm pool only for tests that size one (WARM_POOL_SIZE): it would fill every lesson's seed.
  const engine = await createEngine(config, createLogger(config.LOG_LEVEL), { prepareSeeds: false, warmPool: env.WARM_POOL_SIZE !== undefined });
  const url = await engine.listen();
  return {
    engine,
    url: url.replace('localhost', '127.0.0.1'),
    instance,
    async [Symbol.asyncDispose]() {
      await engine.sessions.destroyAll();
      await engine.close();
      // The instance's own progress database (not one the test named: it may outlive this engine).
      if (!env.PROGRESS_DB_FILE && path.basename(config.PROGRESS_DB_FILE!).startsWith('progress-test-')) {
        for (const suffix of ['', '-wal', '-shm']) await rm(`${config.PROGRESS_DB_FILE}${suffix}`, { force: true });
      }
    },
  };
}
