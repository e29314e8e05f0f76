import { constants, existsSync } from 'node:fs';
import { copyFile, mkdir, open, readFile, readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from '../process/run-command.js';

/** mkfs, mount and umount of a store or a clone: far longer means a stuck kernel or device. */
const MOUNT_TIMEOUT_MS = 120_000;

/** A sparse file of `sizeGb` (made if missing): blocks are taken only when written. */
async function sparseFile(file: string, sizeGb: number): Promise<void> {
  const handle = await open(file, 'a');
  try {
    await handle.truncate(sizeGb * 2 ** 30);
  } finally {
    await handle.close();
  }
}

export interface XfsStoreOptions {
  /** Sparse file (or block device) holding the store's XFS filesystem. */
  storeFile: string;
  sizeGb: number;
  /** Where the store is mounted; sandbox clones are mounted under dataDir/mounts. */
  dataDir: string;
}

async function isMountPoint(dir: string): Promise<boolean> {
  const mounts = await readFile('/proc/mounts', 'utf8');
  return mounts.split('\n').some((line) => line.split(' ')[1] === dir);
}

/**
 * A reflink-capable XFS filesystem holding seed images and per-sandbox clones of them.
 * A clone shares unchanged blocks with its seed, is a filesystem of its own, and its size is
 * the sandbox's disk limit.
 */
export class XfsStore {
  readonly mountDir: string;
  readonly seedsDir: string;
  private readonly clonesDir: string;
  private readonly clonesMountDir: string;

  constructor(private readonly options: XfsStoreOptions) {
    this.mountDir = path.join(options.dataDir, 'store');
    this.seedsDir = path.join(this.mountDir, 'seeds');
    this.clonesDir = path.join(this.mountDir, 'sandboxes');
    this.clonesMountDir = path.join(options.dataDir, 'mounts');
  }

  /** Creates the store on first use and mounts it; does nothing when it is mounted already. */
  async ensureMounted(): Promise<void> {
    await mkdir(this.mountDir, { recursive: true });
    if (!(await isMountPoint(this.mountDir))) {
      const { storeFile, sizeGb } = this.options;
      if (!existsSync(storeFile)) {
        await mkdir(path.dirname(storeFile), { recursive: true });
        await sparseFile(storeFile, sizeGb);
        await runCommand('mkfs.xfs', ['-q', '-m', 'reflink=1', storeFile], { timeoutMs: MOUNT_TIMEOUT_MS });
      }
      const loop = storeFile.startsWith('/dev/') ? [] : ['-o', 'loop'];
      await runCommand('mount', [...loop, storeFile, this.mountDir], { timeoutMs: MOUNT_TIMEOUT_MS });
    }
    await mkdir(this.seedsDir, { recursive: true });
    await mkdir(this.clonesDir, { recursive: true });
    await mkdir(this.clonesMountDir, { recursive: true });
  }

  /** Makes an empty XFS image of the given size, for a new seed. */
  async createImage(file: string, sizeGb: number): Promise<void> {
    await rm(file, { force: true });
    await sparseFile(file, sizeGb);
    await runCommand('mkfs.xfs', ['-q', '-f', '-m', 'reflink=1', file], { timeoutMs: MOUNT_TIMEOUT_MS });
  }

  async mountImage(file: string, dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    // nouuid: clones share their seed's UUID. nosuid,nodev: a set-uid file or a device node the
    // sandbox makes on its disk means nothing on the host.
    await runCommand('mount', ['-o', 'loop,nouuid,nosuid,nodev,noatime', file, dir], { timeoutMs: MOUNT_TIMEOUT_MS });
  }

  async unmount(dir: string): Promise<void> {
    if (!(await isMountPoint(dir))) return;
    for (let attempt = 0; ; attempt++) {
      try {
        await runCommand('umount', [dir], { timeoutMs: MOUNT_TIMEOUT_MS });
        return;
      } catch {
        if (attempt >= 10) {
          await runCommand('umount', ['-l', dir], { timeoutMs: MOUNT_TIMEOUT_MS });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** Clones a seed for a sandbox and mounts the clone; returns the mounted directory. */
  async cloneSeed(seedFile: string, id: string): Promise<string> {
    const image = path.join(this.clonesDir, `${id}.img`);
    const dir = this.cloneMountDir(id);
    await copyFile(seedFile, image, constants.COPYFILE_FICLONE_FORCE);
    try {
      await this.mountImage(image, dir);
    } catch (error) {
      await rm(image, { force: true });
      throw error;
    }
    return dir;
  }

  cloneMountDir(id: string): string {
    return path.join(this.clonesMountDir, id);
  }

  /** Unmounts and deletes a sandbox's clone: everything the sandbox wrote is gone. */
  async releaseClone(id: string): Promise<void> {
    const dir = this.cloneMountDir(id);
    await this.unmount(dir);
    await rmdir(dir).catch(() => undefined);
    await rm(path.join(this.clonesDir, `${id}.img`), { force: true });
  }

  async listClones(): Promise<string[]> {
    const files = await readdir(this.clonesDir).catch(() => [] as string[]);
    return files.filter((file) => file.endsWith('.img')).map((file) => file.slice(0, -'.img'.length));
  }
}
