import { existsSync, readFileSync, readlinkSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import type { Engine } from '../../sandbox-engine/src/app/create-engine.js';
import type { Session } from '../../sandbox-engine/src/sessions/session.js';

/** What the host knows about a sandbox: the evidence attacks are judged by, read outside the sandbox. */
export class SandboxOnHost {
  private constructor(
    readonly session: Session,
    readonly pid: number,
    /** The sandbox container's own cgroup path in each v1 hierarchy (e.g. /dockyard/<name>/<id>). */
    private readonly cgroupPaths: Map<string, string>,
    readonly address: string,
  ) {}

  static async of(engine: Engine, session: Session): Promise<SandboxOnHost> {
    const socket = engine.config.SANDBOX_ISOLATION === 'userns' ? engine.config.SANDBOX_DOCKER_SOCKET : engine.config.DOCKER_SOCKET;
    const info = await new Docker({ socketPath: socket }).getContainer(session.containerId).inspect();
    const pid = info.State.Pid;
    const paths = new Map<string, string>();
    for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
      const [, controllers = '', cgroupPath = ''] = line.split(':');
      for (const controller of controllers.split(',')) if (controller) paths.set(controller.replace(/^name=/, ''), cgroupPath);
    }
    return new SandboxOnHost(session, pid, paths, await engine.driver.address(session.containerId));
  }

  cgroupDir(controller: string): string {
    return path.join('/sys/fs/cgroup', controller, this.cgroupPaths.get(controller) ?? '/');
  }

  /** Where the limits hold: the host-owned parent under delegation, else the container's own cgroup. */
  limitDirs(controller: string): string[] {
    const own = this.cgroupDir(controller);
    const parent = path.dirname(own);
    return this.session.containerName && parent.endsWith(`/${this.session.containerName}`) ? [own, parent] : [own];
  }

  readLimit(controller: string, file: string): string[] {
    return this.limitDirs(controller).map((dir) => readFileSync(path.join(dir, file), 'utf8').trim());
  }

  /** Every host process in the sandbox's pid namespace (its own and its inner containers' are nested in it). */
  processes(): number[] {
    const ns = readlinkSync(`/proc/${this.pid}/ns/pid`);
    const found: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const status = readFileSync(`/proc/${entry}/status`, 'utf8');
        const nspids = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
        if (nspids.length < 2) continue;
        // In the sandbox's namespace, or a namespace below it: the sandbox's pid ns is an ancestor.
        if (readlinkSync(`/proc/${entry}/ns/pid`) === ns || this.isBelow(Number(entry))) found.push(Number(entry));
      } catch {
        // the process ended
      }
    }
    return found;
  }

  private isBelow(pid: number): boolean {
    // Its memory cgroup is below ours, or its NSpid chain is longer and its ancestors include our init.
    let current = pid;
    for (let depth = 0; depth < 64 && current > 1; depth++) {
      if (current === this.pid) return true;
      const stat = readFileSync(`/proc/${current}/stat`, 'utf8');
      current = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    }
    return false;
  }

  /** The memory cgroup a host process is in. */
  static memoryCgroupOf(pid: number): string {
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes('memory'));
    return line?.split(':')[2] ?? '?';
  }

  /** The loop device under a sandbox's disk (clone), as major:minor. */
  static loopDeviceOf(mountDir: string): { major: number; minor: number } | undefined {
    const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === mountDir);
    const [major, minor] = (line?.split(' ')[2] ?? '').split(':').map(Number);
    return major !== undefined && minor !== undefined && existsSync(`/sys/dev/block/${major}:${minor}`) ? { major, minor } : undefined;
  }
}
