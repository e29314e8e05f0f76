import { pathToFileURL } from 'node:url';
import { dockyardLabels, labelArgs } from '../lib/dockyard-labels.js';
import { runCommand } from '../../sandbox-engine/src/process/run-command.js';
import { waitUntil } from '../../sandbox-engine/src/process/wait-until.js';
import { secondsSince } from '../lib/start-heartbeat.js';

/** The DinD profile of the platform notes (no --privileged: this VM lacks CAP_SYS_RESOURCE). */
const SANDBOX_RUN_ARGS = [
  '--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE',
  '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined',
  '--security-opt', 'systempaths=unconfined',
  '--cgroupns', 'private',
  '--add-host', 'mirror.dockyard:host-gateway',
  '-v', '/var/lib/docker',
];

/**
 * Smoke test of the built images against the real daemon (a minute or so): postgres:15 takes
 * POSTGRES_* and answers psql over its published port with the password; a sandbox's inner daemon
 * answers, pulls postgres:15 from the mirror (and cannot push to it), runs it, and the sandbox
 * stops cleanly. Cleans up.
 */
export async function verifyImages(log: (line: string) => void): Promise<void> {
  const suffix = `${process.pid}`;
  const db = `dockyard-verify-db-${suffix}`;
  const sandbox = `dockyard-verify-sandbox-${suffix}`;
  const labels = labelArgs(dockyardLabels('verify'));
  try {
    let started = Date.now();
    await runCommand('docker', ['run', '-d', '-P', '--name', db, ...labels,
      '-e', 'POSTGRES_USER=docker', '-e', 'POSTGRES_PASSWORD=docker', '-e', 'POSTGRES_DB=hartl', 'postgres:15']);
    const port = (await runCommand('docker', ['port', db, '5432/tcp'])).stdout.trim().split('\n')[0]?.split(':').pop();
    const psqlOverNetwork = (sql: string, password = 'docker') =>
      runCommand('docker', ['run', '--rm', '--add-host', 'dockyard-host:host-gateway', '-e', `PGPASSWORD=${password}`,
        '--entrypoint', 'psql', 'dockyard/sandbox:latest', '-h', 'dockyard-host', '-p', `${port}`, '-U', 'docker', '-Atc', sql, 'hartl'],
      { allowFailure: true });
    await waitFor('postgres over TCP', 30_000, async () =>
      (await runCommand('docker', ['exec', db, 'pg_isready', '-h', '127.0.0.1', '-q'], { allowFailure: true })).code === 0);
    log(`verify: postgres:15 accepts TCP connections ${secondsSince(started)} s after docker run`);
    const created = await psqlOverNetwork('create table t (x int); insert into t values (42); select x from t');
    if (created.stdout.trim().split('\n').pop() !== '42') throw new Error(`psql over the network failed: ${created.stderr}`);
    if ((await psqlOverNetwork('select 1', 'wrong')).code === 0) throw new Error('a wrong password was accepted over TCP');
    const local = await runCommand('docker', ['exec', db, 'psql', '-U', 'docker', 'hartl', '-Atc', 'select x from t']);
    if (local.stdout.trim() !== '42') throw new Error('docker exec psql (socket, trust) failed');
    started = Date.now();
    await runCommand('docker', ['stop', db]);
    log(`verify: postgres:15 password over TCP, trust on the socket, stopped in ${secondsSince(started)} s`);

    started = Date.now();
    await runCommand('docker', ['run', '-d', '--name', sandbox, ...labels, '--hostname', 'sandbox', ...SANDBOX_RUN_ARGS,
      'dockyard/sandbox:latest']);
    await waitFor('the inner daemon', 30_000, async () =>
      (await runCommand('docker', ['exec', sandbox, 'docker', 'version'], { allowFailure: true })).code === 0);
    log(`verify: sandbox inner daemon answers ${secondsSince(started)} s after docker run`);
    const inside = async (script: string) => (await runCommand('docker', ['exec', sandbox, 'bash', '-c', script])).stdout;
    started = Date.now();
    await inside('docker pull -q postgres:15 >/dev/null');
    log(`verify: sandbox pulled postgres:15 from the mirror in ${secondsSince(started)} s`);
    const push = await runCommand('docker', ['exec', sandbox, 'bash', '-c',
      'docker tag postgres:15 mirror.dockyard:5000/library/dockyard-verify-push:1 && docker push mirror.dockyard:5000/library/dockyard-verify-push:1'],
    { allowFailure: true });
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
    await runCommand('docker', ['stop', sandbox]);
    const exit = (await runCommand('docker', ['inspect', sandbox, '--format', '{{.State.ExitCode}}'])).stdout.trim();
    if (exit !== '0') throw new Error(`the sandbox did not stop cleanly (exit ${exit})`);
    log(`verify: sandbox stopped cleanly in ${secondsSince(started)} s`);
  } finally {
    await runCommand('docker', ['rm', '-f', '-v', db, sandbox], { allowFailure: true });
  }
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  if (!(await waitUntil(check, { timeoutMs, intervalMs: 100 }))) throw new Error(`verify: ${what} did not answer within ${timeoutMs / 1000} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  verifyImages((line) => console.log(line)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
