/**
 * `npx tsx test/bench/check-shell.ts [--runs 30] [--command C]...`: one sandbox, each command run --runs times
 * through a one-off `docker exec` (what checks did before) and through the persistent check shell,
 * alternating, with the wall time of each run and the CPU it cost:
 * - host: the engine (this process), the sandbox's containerd-shim, and the sandbox daemon's dockerd
 *   and containerd, their own time (the daemons serve every sandbox of the machine: their CPU while
 *   idle, measured between runs, is taken off);
 * - runc: the shim's reaped children (`runc exec`, and the exec'd processes of one-off runs, which
 *   also count inside the sandbox);
 * - sandbox: its cgroup (the command, runc's init, the check shell's server, the inner daemon), its
 *   idle CPU taken off as well.
 * The last line is JSON (also in test-results/check-shell.json).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { inspectContainerCommand } from '../../sandbox-engine/src/checkers/container-inspect.js';
import { oneOffSandboxShell } from '../../sandbox-engine/src/checkers/one-off-sandbox-shell.js';
import type { SandboxShell } from '../../sandbox-engine/src/checkers/sandbox-shell.js';
import { sandboxDaemonLayout } from '../../sandbox-engine/src/isolation/sandbox-daemon-layout.js';
import { sandboxDocker, docker as hostDocker } from '../support/docker-state.js';
import { repoRoot, startTestEngine } from '../support/start-test-engine.js';
import { ms, percentile } from './percentile.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, command: { type: 'string', multiple: true } } });
const runs = Number(values.runs);
/**
 * What a check costs at least, a check through the docker CLI, and a container's inspect through the
 * CLI against what the container checkers run (curl to the daemon's API); `--command` (repeatable)
 * measures others. Nothing named db runs: both inspects find none (the CLI then exits 1).
 */
const commands = values.command ?? ['true', "docker ps --format '{{.Names}}'", 'docker inspect --type container db || true', inspectContainerCommand('db', 9)];
const CLOCK_TICKS = 100;

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** utime+stime (own) and cutime+cstime (reaped children) of a process, in ms. */
function processCpu(pid: number): { own: number; children: number } {
  const fields = read(`/proc/${pid}/stat`).split(') ')[1]?.split(' ') ?? [];
  const ticks = (index: number) => Number(fields[index] ?? 0);
  return { own: ((ticks(11) + ticks(12)) * 1000) / CLOCK_TICKS, children: ((ticks(13) + ticks(14)) * 1000) / CLOCK_TICKS };
}

/** The pid of the first process whose command line contains `text`, among the children of `parent` (or any). */
function findPid(text: string, parent?: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (!read(`/proc/${entry}/cmdline`).replaceAll('\0', ' ').includes(text)) continue;
    if (parent !== undefined && read(`/proc/${entry}/stat`).split(') ')[1]?.split(' ')[1] !== String(parent)) continue;
    return Number(entry);
  }
  throw new Error(`no process with ${text} in its command line`);
}

/** The file holding a process's cgroup CPU usage (cgroup v1 cpuacct in ns, or v2 cpu.stat in µs). */
function cgroupUsage(pid: number): () => number {
  const lines = read(`/proc/${pid}/cgroup`).trim().split('\n');
  const v1 = lines.find((line) => line.split(':')[1]?.split(',').includes('cpuacct'));
  if (v1) {
    const mount = read('/proc/mounts').split('\n').find((line) => line.split(' ')[2] === 'cgroup' && line.split(' ')[3]?.split(',').includes('cpuacct'));
    const file = path.join(mount!.split(' ')[1]!, v1.split(':')[2]!, 'cpuacct.usage');
    return () => Number(read(file)) / 1e6;
  }
  const file = path.join('/sys/fs/cgroup', lines.find((line) => line.startsWith('0::'))!.slice(3), 'cpu.stat');
  return () => Number(/usage_usec (\d+)/.exec(read(file))?.[1] ?? 0) / 1000;
}

/** CPU in ms, per part (see the header); `daemons` and `sandbox` net of their background rate. */
interface Cpu {
  engine: number;
  shim: number;
  daemons: number;
  runc: number;
  sandbox: number;
}
type Sample = Cpu & { wall: number };
const parts = ['engine', 'shim', 'daemons', 'runc', 'sandbox'] as const;
const IDLE_MS = 300;

const test = await startTestEngine();
try {
  const session = await test.engine.sessions.create('postgres-in-a-container');
  const userns = test.engine.config.SANDBOX_ISOLATION === 'userns';
  const daemon = userns ? Number(read(sandboxDaemonLayout.pidFile).trim()) : findPid('dockerd');
  const containerd = findPid('containerd', daemon);
  const shim = findPid(`-id ${session.containerId}`);
  const sandboxPid = (await (userns ? sandboxDocker : hostDocker).getContainer(session.containerId).inspect()).State.Pid;
  const sandboxUsage = cgroupUsage(sandboxPid);
  const snapshot = (): Cpu => {
    const engine = process.cpuUsage();
    const [d, c, s] = [processCpu(daemon), processCpu(containerd), processCpu(shim)];
    return { engine: (engine.user + engine.system) / 1000, shim: s.own, daemons: d.own + c.own, runc: s.children, sandbox: sandboxUsage() };
  };
  const since = (before: Cpu, after: Cpu): Cpu => Object.fromEntries(parts.map((part) => [part, after[part] - before[part]])) as unknown as Cpu;
  const shells: Record<'one-off' | 'persistent', SandboxShell> = {
    'one-off': oneOffSandboxShell(test.engine.driver, session.containerId),
    persistent: test.engine.sessions.shellFor(session),
  };
  const measure = async (shell: SandboxShell, command: string): Promise<Sample> => {
    const before = snapshot();
    const started = performance.now();
    const result = await shell.run(command, { timeoutMs: 30_000, signal: AbortSignal.timeout(35_000) });
    const wall = performance.now() - started;
    const after = snapshot();
    if (result.exitCode !== 0) throw new Error(`${command} exited with ${result.exitCode}: ${result.stderr}`);
    return { wall, ...since(before, after) };
  };
  /** The shared daemons serve every sandbox (other engines' too) and the sandbox's own daemon ticks: their CPU per ms while nothing runs. */
  const idle = async (): Promise<Sample> => {
    const before = snapshot();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return { wall: performance.now() - started, ...since(before, snapshot()) };
  };
  // The persistent shell's exec starts at its first check: measured apart, once per session.
  const firstCheck = await measure(shells.persistent, 'true');
  await measure(shells['one-off'], 'true');
  const report: Record<string, unknown> = { runs, load1Before: Number(read('/proc/loadavg').split(' ')[0]), firstPersistentCheck: firstCheck };
  const ratio = (a: number, b: number) => Math.round((a / Math.max(b, 0.1)) * 10) / 10;
  for (const command of commands) {
    const samples: Record<keyof typeof shells, Sample[]> = { 'one-off': [], persistent: [] };
    const idles: Sample[] = [];
    for (let run = 0; run < runs; run += 1) {
      // Alternating which goes first, so that neither always runs right after the other.
      const order = run % 2 === 0 ? (['one-off', 'persistent'] as const) : (['persistent', 'one-off'] as const);
      for (const name of order) samples[name].push(await measure(shells[name], command));
      idles.push(await idle());
    }
    const idleMs = idles.reduce((sum, sample) => sum + sample.wall, 0);
    const background = { daemons: idles.reduce((sum, sample) => sum + sample.daemons, 0) / idleMs, sandbox: idles.reduce((sum, sample) => sum + sample.sandbox, 0) / idleMs };
    const summarize = (list: Sample[]) => {
      const mean = (value: (sample: Sample) => number) => list.reduce((sum, sample) => sum + value(sample), 0) / list.length;
      const cpu: Cpu = {
        engine: mean((sample) => sample.engine),
        shim: mean((sample) => sample.shim),
        // Other sandboxes keep the shared daemons busy: what is left of it can come out below zero (noise), counted as none.
        daemons: Math.max(0, mean((sample) => sample.daemons - background.daemons * sample.wall)),
        runc: mean((sample) => sample.runc),
        sandbox: Math.max(0, mean((sample) => sample.sandbox - background.sandbox * sample.wall)),
      };
      const walls = list.map((sample) => sample.wall);
      const host = cpu.engine + cpu.shim + cpu.daemons;
      return { wallP50: ms(percentile(walls, 50)), wallP95: ms(percentile(walls, 95)), cpuPerRunMs: { ...(Object.fromEntries(parts.map((part) => [part, ms(cpu[part])])) as unknown as Cpu), host: ms(host) }, cpu, host };
    };
    const [old, kept] = [summarize(samples['one-off']), summarize(samples.persistent)];
    // One-off runs count their exec'd processes twice, in runc (the shim reaps them) and in the sandbox: their total is at least host + the larger of the two.
    const oneOffTotalAtLeast = old.host + Math.max(old.cpu.runc, old.cpu.sandbox);
    const persistentTotal = kept.host + kept.cpu.runc + kept.cpu.sandbox;
    report[command] = {
      'one-off': { wallP50: old.wallP50, wallP95: old.wallP95, cpuPerRunMs: old.cpuPerRunMs },
      persistent: { wallP50: kept.wallP50, wallP95: kept.wallP95, cpuPerRunMs: kept.cpuPerRunMs },
      backgroundCpuPerSecond: { daemons: ms(background.daemons * 1000), sandbox: ms(background.sandbox * 1000) },
      ratios: {
        wallP50: ratio(old.wallP50, kept.wallP50),
        wallP95: ratio(old.wallP95, kept.wallP95),
        hostCpu: ratio(old.host, kept.host),
        engineAndShimCpu: ratio(old.cpu.engine + old.cpu.shim, kept.cpu.engine + kept.cpu.shim),
        hostAndRuncCpu: ratio(old.host + old.cpu.runc, kept.host + kept.cpu.runc),
        sandboxCpu: ratio(old.cpu.sandbox, kept.cpu.sandbox),
        totalCpuAtLeast: ratio(oneOffTotalAtLeast, persistentTotal),
      },
    };
    console.log(`${command}:`, JSON.stringify(report[command]));
  }
  report.load1After = Number(read('/proc/loadavg').split(' ')[0]);
  mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'test-results', 'check-shell.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report));
} finally {
  await test[Symbol.asyncDispose]();
}
