import { afterAll, beforeAll } from 'vitest';
import { progressStoreSuite } from '../../sandbox-engine/src/progress/progress-store-suite.js';
import { requireDocker } from '../support/docker-state.js';
import { startPostgresContainer, type PostgresContainer } from '../support/postgres-container.js';

// The store's whole suite, as the unit tests run it on SQLite, against a real PostgreSQL 15.
let server: PostgresContainer | undefined;
beforeAll(async () => {
  await requireDocker();
  server = await startPostgresContainer();
});
afterAll(async () => {
  await server?.remove();
});

progressStoreSuite('PostgreSQL', async () => {
  const database = await server!.createDatabase();
  return { options: { databaseUrl: database.url }, dispose: database.drop };
});
