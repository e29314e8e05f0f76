import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, startTestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';
import { docker, sandboxDocker } from '../support/docker-state.js';
import { untilPostgresAnswers } from '../support/postgres-container.js';
import { labelFilter } from '../../sandbox-engine/src/contracts/docker-labels.js';
import { openExecTty } from './docker-exec-tty.js';
import { compareEcho, socketKeyTarget, type EchoComparison } from './echo-comparison.js';

/**
 * `npm run bench`: sandbox start-up and footprint, each against a baseline taken in the same run.
 * The baseline is a bare `docker run` of the sandbox image on the host's engine with the trusted
 * profile's flags (a user-namespaced sandbox cannot run its inner daemon without the host-side
 * cgroup delegation the engine does, so there is no "bare" run of it to compare with).
 * Numbers are medians of RUNS runs; timings on a shared 2-core machine are noisy, ratios less so.
 * Keystroke echo is timed through socket.io (the page's path) against `docker exec -it` into the
 * same sandbox, in the same run. The numbers are also written to test-results/bench.json.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const lesson = 'postgres-in-a-container';
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function bareDockerRun(image: string): { runMs: number; daemonMs: number } {
  const name = `dockyard-bench-${process.pid}`;
  const started = Date.now();
  execFileSync('docker', [
    'run', '-d', '--name', name, '--label', labelFilter('managed', 'true'), '--cgroupns', 'private',
    '--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE', '--security-opt', 'seccomp=unconfined',
    '--security-opt', 'apparmor=unconfined', '--security-opt', 'systempaths=unconfined',
    '-v', '/var/lib/docker', image,
  ], { stdio: 'ignore' });
  const runMs = Date.now() - started;
  while (spawnSync('docker', ['exec', name, 'docker', 'version'], { stdio: 'ignore' }).status !== 0) {
    if (Date.now() - started > 60_000) throw new Error('bare sandbox daemon never answered');
  }
  const daemonMs = Date.now() - started;
  execFileSync('docker', ['rm', '-f', '-v', name], { stdio: 'ignore' });
  return { runMs, daemonMs };
}

/**
 * Lesson 1's database on the host's engine, no sandbox: `docker run postgres:15` with the lesson's
 * settings until it accepts a connection over TCP (the entrypoint's init server listens on its
 * socket only). What PostgreSQL's own first start (initdb, the database, a restart) costs here.
 */
async function bareDatabase(): Promise<number> {
  const name = `dockyard-bench-pg-${process.pid}`;
  const started = Date.now();
  try {
    execFileSync('docker', [
      'run', '-d', '--name', name, '--label', labelFilter('managed', 'true'), '-p', '127.0.0.1::5432',
      '-e', 'POSTGRES_USER=docker', '-e', 'POSTGRES_PASSWORD=docker', '-e', 'POSTGRES_DB=hartl', 'postgres:15',
    ], { stdio: 'ignore' });
    const port = execFileSync('docker', ['port', name, '5432/tcp'], { encoding: 'utf8' }).trim().split('\n')[0]!.split(':').pop();
    const waited = await untilPostgresAnswers(`postgres://docker:docker@127.0.0.1:${port}/hartl`, { timeoutMs: 60_000, intervalMs: 100 });
    if (!waited.ready) throw new Error(`the bare database never accepted a connection (${waited.lastError})`);
    return Date.now() - started;
  } finally {
    execFileSync('docker', ['rm', '-f', '-v', name], { stdio: 'ignore' });
  }
}

async function main() {
  await using test = await startTestEngine({ MAX_SANDBOXES: '4' });
  const image = test.engine.config.SANDBOX_IMAGE;
  const bare = { run: [] as number[], daemon: [] as number[], database: [] as number[] };
  const shell: number[] = [];
  const database: number[] = [];
  let memoryMiB = 0;
  let diskMiB = 0;
  let pids = 0;
  let echo: EchoComparison | undefined;
  const loadAverageStart = os.loadavg()[0]!;

  for (let i = 0; i < RUNS; i++) {
    const baseline = bareDockerRun(image);
    bare.run.push(baseline.runMs);
    bare.daemon.push(baseline.daemonMs);
    bare.database.push(await bareDatabase());

    const storeBefore = statfsSync(`${test.engine.config.DOCKYARD_DATA_DIR}/store`);
    const learner = new TestLearner(test.url, lesson);
    const started = Date.now();
    const created = await learner.startSession();
    if (created.status !== 201) throw new Error(`session: ${JSON.stringify(created.body)}`);
    await learner.connect();
    await learner.attach(0);
    await learner.waitForOutput(/root@sandbox[^\n]*[#$] $/m);
    shell.push(Date.now() - started);

    // The port asked once: a Docker CLI per poll would take the sandbox's CPU from PostgreSQL.
    learner.type('docker run -d -p 5432 --name db -e POSTGRES_USER=docker -e POSTGRES_PASSWORD=docker -e POSTGRES_DB=hartl postgres:15 >/dev/null; ' +
      'port=$(docker port db 5432/tcp | head -n1 | cut -d: -f2); until pg_isready -q -h 127.0.0.1 -p "$port"; do sleep 0.1; done; echo "db-ready-$((6*7))"\r');
    await learner.waitForOutput(/db-ready-42/, 60_000);
    database.push(Date.now() - started);

    const session = test.engine.sessions.get(created.body.data!.sessionId)!;
    const daemon = test.engine.config.SANDBOX_ISOLATION === 'userns' ? sandboxDocker : docker;
    if (i === 0) {
      // Keystroke echo, with postgres running: the page's path against docker exec -it into the same sandbox.
      const execTty = await openExecTty(daemon, session.containerId);
      try {
        echo = await compareEcho(socketKeyTarget(learner), execTty);
      } finally {
        execTty.close();
      }

      // Idle footprint: a fresh sandbox with nothing running inside.
      const idle = await test.engine.sessions.create(lesson);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const stats = await daemon.getContainer(idle.containerId).stats({ stream: false });
      memoryMiB = (stats.memory_stats.usage - ((stats.memory_stats.stats as Record<string, number>).cache ?? 0)) / 2 ** 20;
      pids = stats.pids_stats?.current ?? 0;
      const storeAfter = statfsSync(`${test.engine.config.DOCKYARD_DATA_DIR}/store`);
      // The learner's sandbox with postgres running and the idle one: store blocks they added.
      diskMiB = ((storeBefore.bfree - storeAfter.bfree) * storeAfter.bsize) / 2 ** 20;
      await test.engine.sessions.destroy(idle, 'ended');
    }
    learner.disconnect();
    await test.engine.sessions.destroy(session, 'ended');
  }

  const ratio = median(shell) / median(bare.daemon);
  console.log(`\nDockyard Lessons benchmark (${RUNS} runs, medians; isolation ${test.engine.config.SANDBOX_ISOLATION})`);
  console.log(`  baseline: bare docker run of ${image}: ${seconds(median(bare.run))} to return, ${seconds(median(bare.daemon))} until its inner daemon answers`);
  console.log(`  session request -> usable shell (prompt in the terminal): ${seconds(median(shell))}  (${ratio.toFixed(2)}x the bare run + daemon)`);
  const afterShell = database.map((ms, i) => ms - shell[i]!);
  console.log(`  session request -> lesson 1's database accepting connections: ${seconds(median(database))}`);
  console.log(
    `    of which after the prompt: ${seconds(median(afterShell))}; the same database on the host's engine, no sandbox: ` +
      `${seconds(median(bare.database))} (${(median(afterShell) / median(bare.database)).toFixed(2)}x)`,
  );
  console.log(`  idle sandbox: ${memoryMiB.toFixed(0)} MiB memory (without page cache), ${pids} pids`);
  console.log(`  disk added to the store by two sandboxes (one running postgres, one idle): ${diskMiB.toFixed(0)} MiB`);
  if (echo) {
    console.log(
      `  keystroke -> echo, ${echo.socket.samples} keystrokes each: socket.io p50 ${echo.socket.p50Ms} ms, p99 ${echo.socket.p99Ms} ms; ` +
        `docker exec -it p50 ${echo.dockerExec.p50Ms} ms, p99 ${echo.dockerExec.p99Ms} ms; added by the engine: p50 ${echo.addedP50Ms} ms, p99 ${echo.addedP99Ms} ms`,
    );
  }
  console.log(`  all runs (ms): shell ${shell.join(', ')}; database ${database.join(', ')}; bare ${bare.daemon.join(', ')}; bare database ${bare.database.join(', ')}`);
  const loadAverageEnd = os.loadavg()[0]!;
  console.log(`  load average: ${loadAverageStart.toFixed(2)} at the start, ${loadAverageEnd.toFixed(2)} at the end (${os.cpus().length} cores)`);

  const results = {
    runs: RUNS,
    isolation: test.engine.config.SANDBOX_ISOLATION,
    bareRunMs: median(bare.run),
    bareDaemonMs: median(bare.daemon),
    shellReadyMs: median(shell),
    shellReadyRatio: Math.round(ratio * 100) / 100,
    databaseReadyMs: median(database),
    databaseAfterShellMs: median(afterShell),
    bareDatabaseMs: median(bare.database),
    idleMemoryMiB: Math.round(memoryMiB),
    idlePids: pids,
    twoSandboxesDiskMiB: Math.round(diskMiB),
    echo,
    allRunsMs: { shell, database, bareDaemon: bare.daemon, bareDatabase: bare.database },
    loadAverage: { start: loadAverageStart, end: loadAverageEnd },
    cores: os.cpus().length,
    at: new Date().toISOString(),
  };
  const out = path.join(repoRoot, 'test-results', 'bench.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`  written to ${path.relative(repoRoot, out)}`);
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
