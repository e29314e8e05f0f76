import { KyselyProgressStore, type KyselyProgressStoreOptions } from './kysely-progress-store.js';
import { openProgressDb, type ProgressDbOptions } from './open-progress-db.js';

/** Opens (and migrates) the progress database and returns the store on it. */
export async function openProgressStore(options: ProgressDbOptions & KyselyProgressStoreOptions): Promise<KyselyProgressStore> {
  const { db } = await openProgressDb(options);
  return new KyselyProgressStore(db, options);
}
