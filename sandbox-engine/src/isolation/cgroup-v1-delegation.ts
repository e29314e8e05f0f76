import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface CgroupLimits {
  memoryBytes: number;
  pids: number;
  cpus: number;
}

export interface Owner {
  uid: number;
  gid: number;
}

const CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'systemd'] as const;
/** Files a delegated cgroup's owner may write: joining it, and making children. Never its limits. */
const DELEGATED_FILES = ['cgroup.procs', 'tasks', 'cgroup.clone_children'];
const CPU_PERIOD_US = 100_000;
const cpuQuota = (cpus: number) => Math.round(cpus * CPU_PERIOD_US);

/**
 * cgroup v1 delegation the way LXC does it. Per sandbox, a host-owned parent cgroup
 * `/<prefix>/<name>` in every controller holds the limits; the sandbox container is created under
 * it (`--cgroup-parent`), and before every start its own directory is made and only the directory,
 * `cgroup.procs`, `tasks` and `cgroup.clone_children` are handed to the sandbox's root, so its inner
 * Docker daemon can make cgroups below it. Limits are enforced hierarchically on the parent, which
 * the sandbox can neither see (private cgroup namespace) nor write (owned by host root).
 */
export class CgroupV1Delegation {
  constructor(
    private readonly root = '/sys/fs/cgroup',
    readonly prefix = 'dockyard',
  ) {}

  /** cgroup v1 hierarchies are mounted (v2 hosts let runc delegate by itself). */
  static available(root = '/sys/fs/cgroup'): boolean {
    return existsSync(path.join(root, 'memory', 'memory.limit_in_bytes'));
  }

  /** The parent's path inside each hierarchy: what `--cgroup-parent` takes. */
  parentPath(name: string): string {
    return `/${this.prefix}/${name}`;
  }

  private dir(controller: string, ...parts: string[]): string {
    return path.join(this.root, controller, this.prefix, ...parts);
  }

  private controllers(): string[] {
    return CONTROLLERS.filter((controller) => existsSync(path.join(this.root, controller)));
  }

  /** Makes the host-owned parent with the sandbox's limits (after removing a stale one). */
  async prepareParent(name: string, limits: CgroupLimits): Promise<void> {
    await this.release(name);
    for (const controller of this.controllers()) {
      await mkdir(this.dir(controller), { recursive: true });
      await mkdir(this.dir(controller, name), { recursive: true });
    }
    await this.copyCpuset(this.dir('cpuset'), path.join(this.root, 'cpuset'));
    await this.copyCpuset(this.dir('cpuset', name), this.dir('cpuset'));
    const memory = this.dir('memory', name);
    await writeFile(path.join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    // Swap counts too (where the kernel accounts it): memory + swap may not exceed the same figure.
    if (existsSync(path.join(memory, 'memory.memsw.limit_in_bytes'))) {
      await writeFile(path.join(memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
    }
    await writeFile(path.join(this.dir('pids', name), 'pids.max'), String(limits.pids));
    await writeFile(path.join(this.dir('cpu', name), 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
    await writeFile(path.join(this.dir('cpu', name), 'cpu.cfs_quota_us'), String(cpuQuota(limits.cpus)));
  }

  /**
   * Sets the CPU allowance of a running sandbox: on its parent and on the container's own cgroup
   * (what the sandbox reads), both host-owned. The kernel refuses a child's quota above its parent's,
   * so a raise writes the parent first and a cut the child first. Each is read back: a sandbox is
   * never left on more CPU than asked without an error.
   */
  async setCpus(name: string, containerId: string, cpus: number): Promise<void> {
    const quota = cpuQuota(cpus);
    const parent = path.join(this.dir('cpu', name), 'cpu.cfs_quota_us');
    const own = path.join(this.dir('cpu', name, containerId), 'cpu.cfs_quota_us');
    const raising = quota > Number((await readFile(parent, 'utf8')).trim());
    for (const file of raising ? [parent, own] : [own, parent]) {
      await writeFile(file, String(quota));
      const now = Number((await readFile(file, 'utf8')).trim());
      if (now !== quota) throw new Error(`${file} reads ${now} after writing ${quota}`);
    }
  }

  /** Before every start: the container's own cgroup, handed to the sandbox's root (runc removes it on stop). */
  async delegate(name: string, containerId: string, owner: Owner): Promise<void> {
    for (const controller of this.controllers()) {
      const dir = this.dir(controller, name, containerId);
      await mkdir(dir, { recursive: true });
      if (controller === 'cpuset') await this.copyCpuset(dir, this.dir('cpuset', name));
      await chown(dir, owner.uid, owner.gid);
      for (const file of DELEGATED_FILES) await chown(path.join(dir, file), owner.uid, owner.gid);
    }
  }

  /**
   * Removes the parent and everything below it (the container must be gone), also in the hybrid
   * host's v2 `unified` hierarchy, where runc makes the container's cgroup (and so the parent) by
   * itself and removes only the container's own.
   */
  async release(name: string): Promise<void> {
    for (const controller of [...this.controllers(), ...this.unified()]) await removeTree(this.dir(controller, name));
  }

  /** Names of the parents that exist (memory or unified hierarchy), for sweeping after a crash. */
  async parents(): Promise<string[]> {
    const names = async (controller: string) =>
      readdir(this.dir(controller), { withFileTypes: true })
        .then((entries) => entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name))
        .catch(() => [] as string[]);
    return [...new Set([...(await names('memory')), ...(await Promise.all(this.unified().map(names))).flat()])];
  }

  private unified(): string[] {
    return existsSync(path.join(this.root, 'unified', 'cgroup.controllers')) ? ['unified'] : [];
  }

  /** Reads one of a parent's files (for tests and health checks). */
  async read(name: string, controller: string, file: string): Promise<string> {
    return (await readFile(path.join(this.dir(controller, name), file), 'utf8')).trim();
  }

  private async copyCpuset(dir: string, from: string): Promise<void> {
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      const current = (await readFile(path.join(dir, file), 'utf8')).trim();
      if (current === '') await writeFile(path.join(dir, file), (await readFile(path.join(from, file), 'utf8')).trim());
    }
  }
}

/** rmdir of a cgroup tree, deepest first; a cgroup that still has tasks is retried briefly. */
async function removeTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (entry.isDirectory()) await removeTree(path.join(dir, entry.name));
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 25) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
