import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { loadClassAttemptsPage } from './class-progress.js';
import { openProgressDb } from './open-progress-db.js';
import { lastFailures, loadProgressFacts } from './progress-facts.js';
import type { ProgressDatabase } from './progress-schema.js';
import { progressStoreSuite } from './progress-store-suite.js';

const newFile = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dockyard-progress-'));
  return { file: path.join(dir, 'nested', 'progress.sqlite'), dispose: () => rm(dir, { recursive: true, force: true }) };
};

/** The query plan (SQLite's "explain query plan" details) of each query `run` makes on a migrated progress file. */
async function queryPlans(run: (db: Kysely<ProgressDatabase>) => Promise<void>): Promise<string[][]> {
  const { file, dispose } = await newFile();
  const { db } = await openProgressDb({ file, log: createLogger('error', {}, () => true) });
  await db.destroy();
  const raw = new SqliteDatabase(file);
  const queries: CompiledQuery[] = [];
  const logged = new Kysely<ProgressDatabase>({ dialect: new SqliteDialect({ database: raw }), log: (event) => void queries.push(event.query) });
  try {
    await run(logged);
    return queries.map((query) => (raw.prepare(`explain query plan ${query.sql}`).all(...query.parameters) as { detail: string }[]).map((row) => row.detail));
  } finally {
    await logged.destroy();
    await dispose();
  }
}

progressStoreSuite('SQLite', async () => {
  const { file, dispose } = await newFile();
  return { options: { file }, dispose };
});

describe('the SQLite progress file', () => {
  it('is write-ahead logged, synced on every commit, checks foreign keys, waits for locks, and is private', async () => {
    const { file, dispose } = await newFile();
    const { db } = await openProgressDb({ file, log: createLogger('error', {}, () => true) });
    try {
      const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db)).rows[0] as Record<string, unknown>)[0];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(2); // FULL
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('busy_timeout')).toBeGreaterThan(0);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    } finally {
      await db.destroy();
      await dispose();
    }
  });

  it("reads a class's per-step summaries from an index alone, never the attempts' rows (an instructor's live table reads them on every change)", async () => {
    const plans = await queryPlans(async (db) => {
      await loadProgressFacts(db, { classId: 'c' });
      await lastFailures(db, 'c');
      await loadProgressFacts(db, { learner: 'a'.repeat(64) });
    });
    const details = plans.flat().filter((detail) => /\battempts\b/.test(detail));
    expect(details.length).toBeGreaterThan(0);
    // Each attempt row is read only by its id (lastFailures: one per learner and lesson); the rest is the index.
    for (const detail of details) expect(detail).toMatch(/USING (COVERING INDEX attempts_summary|INTEGER PRIMARY KEY \(rowid=\?\))/);
  });

  it("reads a page of a class's attempts as a range of an index from the cursor, never sorting the whole history (the JSON export)", async () => {
    const plans = await queryPlans(async (db) => {
      await loadClassAttemptsPage(db, 'c', { limit: 1000 });
      await loadClassAttemptsPage(db, 'c', { after: { learner: 'a'.repeat(64), id: 7 }, limit: 1000 });
    });
    expect(plans).toHaveLength(2);
    for (const plan of plans) {
      expect(plan.filter((detail) => /\battempts\b/.test(detail))).toEqual([expect.stringMatching(/USING (COVERING )?INDEX attempts_learner_order/)]);
      expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('says which file it could not open', async () => {
    await expect(openProgressDb({ file: '/proc/version/progress.sqlite', log: createLogger('error', {}, () => true) })).rejects.toThrow(/progress database \(\/proc\/version\/progress.sqlite\)/);
  });
});
