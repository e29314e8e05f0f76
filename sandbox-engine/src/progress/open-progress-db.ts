import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../log/logger.js';
import { progressMigrations, type ProgressDialect } from './progress-migrations.js';
import type { ProgressDatabase } from './progress-schema.js';

/** PostgreSQL when `databaseUrl` (postgres://…) is set, else SQLite in `file`. */
export type ProgressDbLocation = { databaseUrl: string; file?: string } | { databaseUrl?: undefined; file: string };
export type ProgressDbOptions = ProgressDbLocation & { log: Logger };

export interface ProgressDb {
  db: Kysely<ProgressDatabase>;
  dialect: ProgressDialect;
}

/** How long a SQLite writer waits for another connection's lock before giving up. */
const BUSY_TIMEOUT_MS = 5000;

function openSqlite(file: string): Kysely<ProgressDatabase> {
  mkdirSync(path.dirname(file), { recursive: true });
  const database = new SqliteDatabase(file);
  try {
    // Learners' names and progress: readable by the engine's user only (WAL and SHM files follow).
    chmodSync(file, 0o600);
    const mode = database.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`SQLite refused write-ahead logging for ${file} (journal_mode is ${String(mode)})`);
    // FULL: a check attempt acknowledged to the learner survives a power cut, not only a crash.
    database.pragma('synchronous = FULL');
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    database.pragma('foreign_keys = ON');
  } catch (error) {
    database.close();
    throw error;
  }
  return new Kysely<ProgressDatabase>({ dialect: new SqliteDialect({ database }) });
}

function openPostgres(connectionString: string, log: Logger): Kysely<ProgressDatabase> {
  const pool = new pg.Pool({ connectionString, max: 10 });
  // An idle connection dropped by the server is replaced on next use; unhandled, it would end the process.
  pool.on('error', (error) => log.error('progress.db.connection.error', { error }));
  return new Kysely<ProgressDatabase>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Opens the progress database (PostgreSQL when `databaseUrl` is set, else SQLite in `file`) and
 * brings its schema up to date; reopening an up-to-date database changes nothing.
 */
export async function openProgressDb({ databaseUrl, file, log }: ProgressDbOptions): Promise<ProgressDb> {
  const dialect: ProgressDialect = databaseUrl ? 'postgres' : 'sqlite';
  const where = databaseUrl ? 'the PostgreSQL database of DATABASE_URL' : file;
  const failed = (error: unknown) =>
    new Error(`The progress database (${where}) could not be opened or migrated: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  let db: Kysely<ProgressDatabase>;
  try {
    db = databaseUrl ? openPostgres(databaseUrl, log) : openSqlite(file!);
  } catch (error) {
    throw failed(error);
  }
  const migrator = new Migrator({
    db,
    provider: progressMigrations(dialect),
    migrationTableName: 'progress_migrations',
    migrationLockTableName: 'progress_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  for (const result of results ?? []) {
    if (result.status === 'Success') log.info('progress.db.migrated', { migration: result.migrationName, dialect });
    if (result.status === 'Error') log.error('progress.db.migration.failed', { migration: result.migrationName, dialect });
  }
  if (error) {
    await db.destroy();
    throw failed(error);
  }
  return { db, dialect };
}
