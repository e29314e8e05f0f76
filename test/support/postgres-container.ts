import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { labelKeys } from '../../sandbox-engine/src/contracts/docker-labels.js';
import { waitUntil } from '../../sandbox-engine/src/process/wait-until.js';
import { docker } from './docker-state.js';

export interface PostgresContainer extends AsyncDisposable {
  /** postgres://… of the server's own "postgres" database (superuser). */
  url: string;
  /** A new empty database on the server, and its URL. */
  createDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  remove(): Promise<void>;
}

/**
 * PostgreSQL 15 from the image catalog (`postgres:15`, built by setup) on the host's engine,
 * published on 127.0.0.1 (a free port), data on a tmpfs, labelled as a test's so the sweep finds
 * it if a run is interrupted; resolves once it accepts connections over TCP.
 */
/**
 * Waits until the PostgreSQL server at `url` answers a query over TCP (the official image's init
 * server listens on its socket only: a TCP answer is the real server), asking every `intervalMs`.
 */
export async function untilPostgresAnswers(url: string, { timeoutMs, intervalMs }: { timeoutMs: number; intervalMs: number }): Promise<{ ready: boolean; lastError: string }> {
  let lastError = '';
  const ready = await waitUntil(
    async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        await client.query('select 1');
        return true;
      } catch (error) {
        lastError = (error as Error).message;
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    { timeoutMs, intervalMs },
  );
  return { ready: ready === true, lastError };
}

export async function startPostgresContainer(): Promise<PostgresContainer> {
  const name = `test-progress-pg-${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const container = await docker.createContainer({
    name,
    Image: 'postgres:15',
    Env: [`POSTGRES_PASSWORD=${password}`],
    Labels: { [labelKeys.managed]: 'true', [labelKeys.role]: 'test', [labelKeys.instance]: name },
    ExposedPorts: { '5432/tcp': {} },
    HostConfig: {
      PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Tmpfs: { '/var/lib/postgresql/data': 'rw' },
    },
  });
  const remove = () => container.remove({ force: true, v: true }).then(() => undefined);
  try {
    await container.start();
    const inspected = await container.inspect();
    const port = inspected.NetworkSettings.Ports['5432/tcp']?.[0]?.HostPort;
    if (!port) throw new Error(`${name} published no port for 5432/tcp`);
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    const waited = await untilPostgresAnswers(url, { timeoutMs: 60_000, intervalMs: 250 });
    if (!waited.ready) {
      const logs = (await container.logs({ stdout: true, stderr: true, tail: 30 })).toString();
      throw new Error(`PostgreSQL in ${name} did not accept connections within 60 s (last error: ${waited.lastError}):\n${logs}`);
    }
    const admin = async (statement: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(statement);
      } finally {
        await client.end();
      }
    };
    return {
      url,
      async createDatabase() {
        const database = `progress_${randomBytes(4).toString('hex')}`;
        await admin(`CREATE DATABASE ${database}`);
        return {
          url: url.replace(/\/postgres$/, `/${database}`),
          drop: () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
        };
      },
      remove,
      [Symbol.asyncDispose]: remove,
    };
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }
}
