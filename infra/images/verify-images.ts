import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type Docker from 'dockerode';
import { z } from 'zod';
import { trustedSecurity } from '../../sandbox-engine/src/drivers/sandbox-hardening.js';
import { waitUntil } from '../../sandbox-engine/src/process/wait-until.js';
import { dockyardLabels } from '../lib/dockyard-labels.js';
import { loadConfig } from '../../sandbox-engine/src/config/load-config.js';
import { hostDocker } from '../lib/host-docker.js';
import { secondsSince } from '../lib/start-heartbeat.js';

const portsSchema = z.object({
  NetworkSettings: z.object({ Ports: z.record(z.array(z.object({ HostPort: z.string() })).nullable()).nullish() }),
});
const stateSchema = z.object({ State: z.object({ ExitCode: z.number() }) });

/** Runs a command in a container; its exit code and output (stdout and stderr). */
async function exec(container: Docker.Container, cmd: string[]): Promise<{ code: number; output: string }> {
  const run = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await run.start({ hijack: true, stdin: false });
  const sink = new PassThrough();
  let output = '';
  sink.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  container.modem.demuxStream(stream, sink, sink);
  await new Promise((resolve) => stream.on('end', resolve));
  return { code: (await run.inspect()).ExitCode ?? -1, output };
}

/** Creates and starts a container. */
async function run(docker: Docker, options: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  const container = await docker.createContainer(options);
  await container.start();
  return container;
}

/** Runs a throwaway container to its end: exit code and output (a TTY, so the log is plain text). */
async function runToEnd(docker: Docker, options: Docker.ContainerCreateOptions): Promise<{ code: number; output: string }> {
  const container = await run(docker, { ...options, Tty: true });
  try {
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = await container.logs({ stdout: true, stderr: true });
    return { code: StatusCode, output: logs.toString('utf8') };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/**
 * Smoke test of the built images against the real daemon (a minute or so): postgres:15 takes
 * POSTGRES_* and answers psql over its published port with the password; a sandbox's inner daemon
 * answers (trusted profile, as on a laptop), pulls postgres:15 from the mirror (and cannot push to
 * it), runs it, and the sandbox stops cleanly. Cleans up.
 */
export async function verifyImages(log: (line: string) => void, docker: Docker): Promise<void> {
  const suffix = `${process.pid}`;
  const names = { db: `dockyard-verify-db-${suffix}`, sandbox: `dockyard-verify-sandbox-${suffix}` };
  const Labels = dockyardLabels('verify');
  try {
    let started = Date.now();
    const db = await run(docker, {
      name: names.db,
      Image: 'postgres:15',
      Labels,
      Env: ['POSTGRES_USER=docker', 'POSTGRES_PASSWORD=docker', 'POSTGRES_DB=hartl'],
      HostConfig: { PublishAllPorts: true },
    });
    const port = portsSchema.parse(await db.inspect()).NetworkSettings.Ports?.['5432/tcp']?.[0]?.HostPort;
    if (!port) throw new Error('postgres:15 published no port for 5432');
    const psqlOverNetwork = (sql: string, password = 'docker') =>
      runToEnd(docker, {
        Image: 'dockyard/sandbox:latest',
        Labels,
        Entrypoint: ['psql'],
        Cmd: ['-h', 'dockyard-host', '-p', port, '-U', 'docker', '-P', 'pager=off', '-Atc', sql, 'hartl'],
        Env: [`PGPASSWORD=${password}`],
        HostConfig: { ExtraHosts: ['dockyard-host:host-gateway'] },
      });
    await waitFor('postgres over TCP', 30_000, async () => (await exec(db, ['pg_isready', '-h', '127.0.0.1', '-q'])).code === 0);
    log(`verify: postgres:15 accepts TCP connections ${secondsSince(started)} s after docker run`);
    const created = await psqlOverNetwork('create table t (x int); insert into t values (42); select x from t');
    if (created.output.trim().split('\n').pop()?.trim() !== '42') throw new Error(`psql over the network failed: ${created.output}`);
    if ((await psqlOverNetwork('select 1', 'wrong')).code === 0) throw new Error('a wrong password was accepted over TCP');
    const local = await exec(db, ['psql', '-U', 'docker', 'hartl', '-Atc', 'select x from t']);
    if (local.output.trim() !== '42') throw new Error('docker exec psql (socket, trust) failed');
    started = Date.now();
    await db.stop();
    log(`verify: postgres:15 password over TCP, trust on the socket, stopped in ${secondsSince(started)} s`);

    started = Date.now();
    // The trusted profile's security settings (sandbox-hardening.ts), with a volume for the inner daemon.
    const sandbox = await run(docker, {
      name: names.sandbox,
      Image: 'dockyard/sandbox:latest',
      Hostname: 'sandbox',
      Labels,
      Volumes: { '/var/lib/docker': {} },
      // CgroupnsMode is in the Engine API but not in dockerode's types.
      HostConfig: { ...trustedSecurity('caps'), CgroupnsMode: 'private', ExtraHosts: ['mirror.dockyard:host-gateway'] } as Docker.HostConfig,
    });
    await waitFor('the inner daemon', 30_000, async () => (await exec(sandbox, ['docker', 'version'])).code === 0);
    log(`verify: sandbox inner daemon answers ${secondsSince(started)} s after docker run`);
    const inside = async (script: string) => {
      const result = await exec(sandbox, ['bash', '-c', script]);
      if (result.code !== 0) throw new Error(`in the sandbox, ${script.trim().split('\n')[0]} failed: ${result.output.trim().slice(-500)}`);
      return result.output;
    };
    started = Date.now();
    await inside('docker pull -q postgres:15 >/dev/null');
    log(`verify: sandbox pulled postgres:15 from the mirror in ${secondsSince(started)} s`);
    const push = await exec(sandbox, [
      'bash',
      '-c',
      'docker tag postgres:15 mirror.dockyard:5000/library/dockyard-verify-push:1 && docker push mirror.dockyard:5000/library/dockyard-verify-push:1',
    ]);
    if (push.code === 0) throw new Error('a sandbox could push into the shared registry mirror');
    log('verify: a push from the sandbox into the mirror is refused');
    started = Date.now();
    const answer = await inside(`
      docker run -d -P --name db -e POSTGRES_USER=docker -e POSTGRES_PASSWORD=docker -e POSTGRES_DB=hartl postgres:15 >/dev/null
      port=$(docker port db 5432/tcp | head -1 | cut -d: -f2)
      for i in $(seq 1 300); do PGPASSWORD=docker psql -h 127.0.0.1 -p "$port" -U docker hartl -Atc 'select 42' 2>/dev/null && break; sleep 0.1; done`);
    if (answer.trim() !== '42') throw new Error('psql inside the sandbox could not reach the nested postgres');
    log(`verify: nested postgres answers psql on its published port ${secondsSince(started)} s after docker run`);
    started = Date.now();
    await sandbox.stop();
    const exit = stateSchema.parse(await sandbox.inspect()).State.ExitCode;
    if (exit !== 0) throw new Error(`the sandbox did not stop cleanly (exit ${exit})`);
    log(`verify: sandbox stopped cleanly in ${secondsSince(started)} s`);
  } finally {
    for (const name of Object.values(names)) await docker.getContainer(name).remove({ force: true, v: true }).catch(() => undefined);
  }
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  if (!(await waitUntil(check, { timeoutMs, intervalMs: 100 }))) throw new Error(`verify: ${what} did not answer within ${timeoutMs / 1000} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // The host's engine as configured (DOCKER_SOCKET); a bad setting fails here with its name.
  const run = async () => verifyImages((line) => console.log(line), hostDocker(loadConfig(process.env).DOCKER_SOCKET));
  run().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
