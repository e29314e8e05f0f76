import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One look at the machine: memory, load, CPU; the engine process; the sandboxes of one engine instance. */
export interface HostSample {
  at: number;
  /** MemTotal − MemAvailable. */
  hostMemoryMiB: number;
  load1: number;
  /** Share of all cores busy since the previous sample (0..1). */
  hostCpuBusy: number;
  engineRssMiB: number;
  /** The engine's user+system CPU since it started. */
  engineCpuSeconds: number;
  sandboxes: number;
  /** Sum of the sandboxes' memory cgroups (usage, page cache included) and of their RSS alone. */
  sandboxMemoryMiB: number;
  sandboxRssMiB: number;
  /** The sandbox Docker daemon and its containerd (exec and container plumbing; runc and shims not included). */
  daemonCpuSeconds: number;
  /** CPU used by the instance's sandboxes (everything inside them) since sampling began, ended ones included. */
  sandboxCpuSeconds: number;
}

const MiB = 2 ** 20;
const CLOCK_TICKS = 100;
const CGROUP_ROOT = '/sys/fs/cgroup';

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

function meminfoMiB(): { total: number; used: number } {
  const text = read('/proc/meminfo') ?? '';
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) / 1024;
  return { total: field('MemTotal'), used: field('MemTotal') - field('MemAvailable') };
}

function cpuTicks(): { busy: number; total: number } {
  const fields = (read('/proc/stat') ?? '').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

function processStats(pid: number | undefined): { rssMiB: number; cpuSeconds: number } {
  if (pid === undefined) return { rssMiB: 0, cpuSeconds: 0 };
  const status = read(`/proc/${pid}/status`) ?? '';
  const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = (read(`/proc/${pid}/stat`) ?? '').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(stat[11] ?? 0) + Number(stat[12] ?? 0);
  return { rssMiB: rssKiB / 1024, cpuSeconds: ticks / CLOCK_TICKS };
}

/** The platform's sandbox daemon and its direct children (containerd). */
function daemonPids(pidFile: string): number[] {
  const pid = Number(read(pidFile)?.trim());
  if (!pid) return [];
  const children = new Set<number>();
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of (read(`/proc/${pid}/task/${task}/children`) ?? '').trim().split(/\s+/)) if (child) children.add(Number(child));
    }
  } catch {
    // The daemon is gone: nothing to count.
  }
  return [pid, ...children];
}

/** Samples the machine every `intervalMs`, keeping the series; `stop()` takes a last sample. */
export class HostSampler {
  readonly samples: HostSample[] = [];
  readonly memoryTotalMiB = meminfoMiB().total;
  readonly cores = os.cpus().length;
  private previousCpu = cpuTicks();
  /** Last cpuacct.usage seen per sandbox cgroup (they vanish when a sandbox ends). */
  private readonly sandboxCpuNs = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    /** Sandbox parent cgroups of the instance start with this (dockyard-sbx-<instance>-). */
    private readonly cgroupPrefix: string,
    private readonly enginePid: () => number | undefined,
    private readonly daemonPidFile: string,
    intervalMs = 1000,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  get last(): HostSample {
    return this.samples.at(-1)!;
  }

  sample(): HostSample {
    const memory = meminfoMiB();
    const cpu = cpuTicks();
    const busy = cpu.total > this.previousCpu.total ? (cpu.busy - this.previousCpu.busy) / (cpu.total - this.previousCpu.total) : 0;
    this.previousCpu = cpu;
    const engine = processStats(this.enginePid());
    const sandboxes = this.sandboxCgroups();
    let usage = 0;
    let rss = 0;
    for (const name of sandboxes) {
      usage += Number(read(path.join(CGROUP_ROOT, 'memory', 'dockyard', name, 'memory.usage_in_bytes')) ?? 0);
      rss += Number(/^total_rss (\d+)/m.exec(read(path.join(CGROUP_ROOT, 'memory', 'dockyard', name, 'memory.stat')) ?? '')?.[1] ?? 0);
      const ns = Number(read(path.join(CGROUP_ROOT, 'cpuacct', 'dockyard', name, 'cpuacct.usage')) ?? 0);
      if (ns > 0) this.sandboxCpuNs.set(name, ns);
    }
    const sample: HostSample = {
      at: Date.now(),
      hostMemoryMiB: memory.used,
      load1: os.loadavg()[0]!,
      hostCpuBusy: busy,
      engineRssMiB: engine.rssMiB,
      engineCpuSeconds: engine.cpuSeconds,
      daemonCpuSeconds: daemonPids(this.daemonPidFile).reduce((sum, pid) => sum + processStats(pid).cpuSeconds, 0),
      sandboxes: sandboxes.length,
      sandboxMemoryMiB: usage / MiB,
      sandboxRssMiB: rss / MiB,
      sandboxCpuSeconds: [...this.sandboxCpuNs.values()].reduce((sum, ns) => sum + ns, 0) / 1e9,
    };
    this.samples.push(sample);
    return sample;
  }

  stop(): HostSample {
    clearInterval(this.timer);
    return this.sample();
  }

  /** The sample with the most of `field`. */
  peak(field: keyof HostSample): HostSample {
    return this.samples.reduce((best, sample) => (sample[field] > best[field] ? sample : best), this.samples[0]!);
  }

  private sandboxCgroups(): string[] {
    const dir = path.join(CGROUP_ROOT, 'memory', 'dockyard');
    if (!existsSync(dir)) return [];
    try {
      return readdirSync(dir).filter((name) => name.startsWith(this.cgroupPrefix));
    } catch {
      return [];
    }
  }
}
