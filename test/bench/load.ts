import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../sandbox-engine/src/config/load-config.js';
import { labelKeys, labelFilter } from '../../sandbox-engine/src/contracts/docker-labels.js';
import { loadLesson } from '../../sandbox-engine/src/lessons/load-lessons.js';
import { sandboxDaemonLayout } from '../../sandbox-engine/src/isolation/sandbox-daemon-layout.js';
import { hashLearnerKey } from '../../sandbox-engine/src/sessions/learner-key.js';
import { instanceResources, sandboxDocker } from '../support/docker-state.js';
import { repoRoot } from '../support/start-test-engine.js';
import { HostSampler } from './host-sampler.js';
import { listeningPid } from './listening-pid.js';
import { startLoadEngine, type LoadEngine } from './load-engine.js';
import { LoadUsageError, parseLoadOptions, type LoadOptions } from './load-options.js';
import { loadReport, type LoadRunFacts } from './load-report.js';
import { ms, percentile } from './percentile.js';
import { SimulatedLearner } from './simulated-learner.js';

/**
 * `npm run load -- --learners N`: N simulated learners do lesson 1 at once over loopback, as pages
 * do (HTTP session, socket.io terminal, solutions typed, Check clicked, keystroke echo timed),
 * arriving `--arrival-ms` apart; each keeps its sandbox until every learner is done, so N sandboxes
 * run at once. It starts its own engine in a child process (capacity and per-address limits sized
 * for N learners from 127.0.0.1; settings in the environment win) unless `--url` names one. It prints
 * progress, then one JSON line, also written to test-results/load-<N>.json. Bounded: after
 * --max-seconds the learners still busy count as failed; every sandbox is then destroyed.
 */
const CLEANUP_TIMEOUT_MS = 120_000;
/** How long a warm pool may take to fill before the learners come. */
const POOL_WAIT_MS = 150_000;

/** Capacity and per-address limits for N learners who all come from 127.0.0.1; the environment wins. */
function engineSettings(learners: number, instance: string): Record<string, string> {
  const wanted: Record<string, string> = {
    MAX_SANDBOXES: String(Math.max(learners, 8)),
    MAX_SANDBOXES_PER_ADDRESS: String(Math.max(learners, 40)),
    SESSION_START_BURST: String(Math.max(learners, 40)),
    SESSION_STARTS_PER_MINUTE: String(Math.max(learners * 2, 20)),
    API_REQUESTS_PER_SECOND: String(Math.max(learners * 4, 100)),
    MAX_SOCKETS_PER_ADDRESS: String(Math.max(learners * 4, 200)),
  };
  const settings: Record<string, string> = { DOCKYARD_INSTANCE: instance };
  for (const [key, value] of Object.entries(wanted)) settings[key] = process.env[key] ?? value;
  // A test engine keeps a warm pool only when told its size (as served engines do by default).
  for (const key of ['WARM_POOL_SIZE', 'LOG_LEVEL']) if (process.env[key] !== undefined) settings[key] = process.env[key];
  return settings;
}

/**
 * With a warm pool, learners come to an engine that has served for a while: waits until the
 * instance has `target` sandboxes (a numeric WARM_POOL_SIZE, within MAX_SANDBOXES), or ("auto")
 * until their count has not changed for a minute; at most `timeoutMs`.
 */
async function waitForPool(sampler: HostSampler, target: number | undefined, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  let count = -1;
  let steadySince = Date.now();
  while (Date.now() < until) {
    const now = sampler.sample().sandboxes;
    if (now !== count) {
      count = now;
      steadySince = Date.now();
      console.log(`load: warm pool: ${count}${target ? ` of ${target}` : ''} sandboxes …`);
    }
    if (target !== undefined ? count >= target : count > 0 && Date.now() - steadySince >= 60_000) break;
    await sleep(1000);
  }
  return count;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (msValue: number) => `${(msValue / 1000).toFixed(1)} s`;

/** Managed containers on the sandbox daemon that are not this instance's: other engines' (tests running beside us). */
async function otherSandboxes(instance: string): Promise<number> {
  const containers = await sandboxDocker.listContainers({ all: true, filters: { label: [labelFilter('managed', 'true')] } }).catch(() => []);
  return containers.filter((container) => container.Labels[labelKeys.instance] !== instance).length;
}

/** What this run left on the machine: the instance's resources (own engine), or our learners' sandboxes (--url). */
async function leftovers(instance: string, ownEngine: boolean, learnerHashes: Set<string>) {
  if (ownEngine) return instanceResources(instance);
  const containers = await sandboxDocker.listContainers({ all: true, filters: { label: [labelFilter('instance', instance)] } });
  return { containers: containers.filter((container) => learnerHashes.has(container.Labels[labelKeys.learnerHash] ?? '')).length, cgroups: 0, clones: 0, mounts: 0 };
}

async function waitForNoLeftovers(instance: string, ownEngine: boolean, learnerHashes: Set<string>, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const left = await leftovers(instance, ownEngine, learnerHashes);
    if (left.containers + left.cgroups + left.clones + left.mounts === 0 || Date.now() > until) return left;
    await sleep(1000);
  }
}

/** The files an engine of this instance keeps in the data directory (its progress database), unless the environment placed them. */
function removeEngineFiles(instance: string): void {
  if (process.env.PROGRESS_DB_FILE !== undefined || process.env.DATABASE_URL !== undefined) return;
  const file = loadConfig({ ...process.env, DOCKYARD_INSTANCE: instance }, repoRoot).PROGRESS_DB_FILE;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
}

function progressLine(startedAt: number, options: LoadOptions, learners: SimulatedLearner[], sampler: HostSampler): string {
  const reports = learners.map((learner) => learner.report);
  const count = (...phases: string[]) => reports.filter((report) => phases.includes(report.phase)).length;
  const stepsDone = reports.reduce((sum, report) => sum + report.steps.filter((step) => step.passed).length, 0);
  const checks = reports.flatMap((report) => report.steps.map((step) => step.checkMs));
  const echoes = reports.flatMap((report) => report.echoMs);
  const sample = sampler.last;
  return (
    `[${seconds(Date.now() - startedAt).padStart(7)}] arrived ${learners.length}/${options.learners} · waiting ${count('session', 'connect', 'prompt')} · ` +
    `at prompt ${count('steps', 'done')} · steps passed ${stepsDone} · done ${count('done')} · failed ${count('failed')} · ` +
    `check p95 ${ms(percentile(checks, 95))} ms · echo p99 ${ms(percentile(echoes, 99))} ms · sandboxes ${sample.sandboxes} · ` +
    `load ${sample.load1.toFixed(1)} · cpu ${Math.round(sample.hostCpuBusy * 100)}% · host ${(sample.hostMemoryMiB / 1024).toFixed(1)} GiB · engine ${Math.round(sample.engineRssMiB)} MiB`
  );
}

async function main() {
  const options = parseLoadOptions(process.argv.slice(2));
  const lesson = await loadLesson(path.join(repoRoot, 'lessons', options.lesson, 'content.mdx'));
  const resultsDir = path.join(repoRoot, 'test-results');
  mkdirSync(resultsDir, { recursive: true });
  const out = options.out ?? path.join(resultsDir, `load-${options.learners}.json`);

  let engine: LoadEngine | undefined;
  let url: string;
  let instance: string;
  let settings: Record<string, string> = {};
  if (options.url) {
    url = options.url;
    instance = process.env.DOCKYARD_INSTANCE ?? 'default';
  } else {
    instance = `load-${randomBytes(3).toString('hex')}`;
    settings = engineSettings(options.learners, instance);
    const logFile = path.join(resultsDir, `load-${options.learners}-engine.log`);
    console.log(`load: starting an engine (instance ${instance}, log ${path.relative(repoRoot, logFile)}) …`);
    engine = await startLoadEngine(settings, lesson.slug, logFile);
    url = engine.url;
  }
  const enginePid = engine?.pid ?? listeningPid(Number(new URL(url).port));
  const sampler = new HostSampler(`dockyard-sbx-${instance}-`, () => enginePid, sandboxDaemonLayout.pidFile);
  const poolWaitStarted = Date.now();
  const poolSize = settings.WARM_POOL_SIZE;
  const poolTarget = poolSize === undefined || poolSize === 'auto' ? undefined : Math.min(Number(poolSize), Number(settings.MAX_SANDBOXES));
  const pooled = poolSize !== undefined && poolSize !== '0' ? await waitForPool(sampler, poolTarget, POOL_WAIT_MS) : 0;
  const poolFillMs = pooled > 0 ? Date.now() - poolWaitStarted : 0;
  const othersAtStart = await otherSandboxes(instance);
  console.log(
    `load: ${options.learners} learners on ${url}, lesson ${lesson.slug} (${lesson.steps.length} steps), one every ${options.arrivalMs} ms, ${options.thinkMs / 1000} s reading per step, ` +
      `at most ${options.maxSeconds} s; load average ${sampler.last.load1.toFixed(2)}, ${othersAtStart} other sandboxes on the daemon`,
  );

  const startedAt = Date.now();
  const deadline = new AbortController();
  const deadlineTimer = setTimeout(() => deadline.abort(new Error('time is up')), options.maxSeconds * 1000);
  const learners: SimulatedLearner[] = [];
  const runs: Promise<unknown>[] = [];
  const progress = setInterval(() => console.log(progressLine(startedAt, options, learners, sampler)), 5000);
  const stopOnSignal = () => deadline.abort(new Error('interrupted'));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  for (let index = 0; index < options.learners && !deadline.signal.aborted; index++) {
    const learner = new SimulatedLearner({ baseUrl: url, lesson, index, keystrokes: options.keystrokes, keystrokeMs: options.keystrokeMs, thinkMs: options.thinkMs, signal: deadline.signal });
    learners.push(learner);
    runs.push(
      learner.run().then((report) => {
        if (report.phase === 'failed') console.log(`learner ${index + 1} failed: ${report.failure?.replace(/\s*\n\s*/g, ' | ').slice(0, 400)}`);
      }),
    );
    if (options.arrivalMs > 0) await sleep(options.arrivalMs);
  }
  await Promise.all(runs);
  const learnersDoneAt = Date.now();
  const timedOut = deadline.signal.aborted;
  clearTimeout(deadlineTimer);
  clearInterval(progress);
  console.log(progressLine(startedAt, options, learners, sampler));

  // Every learner held its sandbox until now: end them all as pages do, then stop the engine.
  console.log(`load: learners finished after ${seconds(learnersDoneAt - startedAt)}; ending ${learners.length} sandboxes …`);
  await Promise.race([Promise.all(learners.map((learner) => learner.end())), sleep(CLEANUP_TIMEOUT_MS)]);
  const othersAtEnd = await otherSandboxes(instance);
  sampler.stop();
  const engineStop = engine ? await engine.stop(CLEANUP_TIMEOUT_MS) : 'not ours';
  const hashes = new Set(learners.map((learner) => hashLearnerKey(learner.terminal.learnerKey)));
  let left = await waitForNoLeftovers(instance, engine !== undefined, hashes, 30_000);
  if (engine && left.containers + left.cgroups + left.clones + left.mounts > 0) {
    // A sandbox the engine did not get to: an engine of the same instance adopts it, and destroys it.
    console.log(`load: ${JSON.stringify(left)} left; an engine of instance ${instance} adopts and destroys them …`);
    const sweeper = await startLoadEngine(settings, lesson.slug, path.join(resultsDir, `load-${options.learners}-sweep.log`));
    await sweeper.stop(CLEANUP_TIMEOUT_MS);
    left = await waitForNoLeftovers(instance, true, hashes, 30_000);
  }

  if (engine) removeEngineFiles(instance);

  const facts: LoadRunFacts = {
    learners: options.learners,
    arrivalMs: options.arrivalMs,
    thinkMs: options.thinkMs,
    maxSeconds: options.maxSeconds,
    lesson: lesson.slug,
    url,
    ownEngine: engine !== undefined,
    engineSettings: settings,
    startedAt,
    learnersDoneAt,
    timedOut,
    otherSandboxes: { start: othersAtStart, end: othersAtEnd },
    warmPool: { size: settings.WARM_POOL_SIZE ?? 'off', readyAtStart: pooled, fillMs: poolFillMs },
    cleanup: { engineStop, leftContainers: left.containers, leftCgroups: left.cgroups, leftClones: left.clones, leftMounts: left.mounts },
  };
  const report = loadReport(
    learners.map((learner) => learner.report),
    sampler,
    facts,
  );
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`load: written to ${path.relative(repoRoot, out)}`);
  console.log(JSON.stringify(report));
  process.exit(report.failures === 0 && left.containers === 0 ? 0 : 1);
}

main().catch((error: Error) => {
  console.error(error instanceof LoadUsageError ? error.message : `load failed: ${error.stack ?? error.message}`);
  process.exit(2);
});
