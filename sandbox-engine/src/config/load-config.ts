import path from 'node:path';
import { configSchema, secretSettings, type Config } from './config-schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the engine's settings from an environment; a bad value throws a ConfigError naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const known = Object.keys(configSchema._def.schema.shape);
  const input = Object.fromEntries(known.filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]));
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || 'config';
      const value = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
      const shown = value === undefined ? '' : secretSettings.has(name) ? ' (value hidden)' : `=${JSON.stringify(value)}`;
      return `  ${name}${shown}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  return {
    ...config,
    LESSONS_DIR: path.resolve(cwd, config.LESSONS_DIR),
    SITE_DIR: path.resolve(cwd, config.SITE_DIR),
    DOCKYARD_STORE_FILE: config.DOCKYARD_STORE_FILE ?? path.join(config.DOCKYARD_DATA_DIR, 'store.xfs'),
    PROGRESS_DB_FILE: path.resolve(
      cwd,
      config.PROGRESS_DB_FILE ?? path.join(config.DOCKYARD_DATA_DIR, config.DOCKYARD_INSTANCE === 'default' ? 'progress.sqlite' : `progress-${config.DOCKYARD_INSTANCE}.sqlite`),
    ),
  };
}
