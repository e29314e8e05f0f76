import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Config } from '../config/config-schema.js';
import { labelKeys } from '../contracts/docker-labels.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import { prepareSandboxDisk, type SandboxDiskFacts } from './sandbox-disk.js';
import type { XfsStore } from './xfs-store.js';

/**
 * Makes and finds seed images: an XFS image holding an inner Docker data root with a set of
 * images already loaded. A seed is named after the sandbox image, the lesson images and the
 * disk size, so changing any of them makes a new seed.
 */
export class SeedBuilder {
  private readonly building = new Map<string, Promise<string>>();

  constructor(
    private readonly deps: {
      /** The host's Docker Engine, where the image catalog is built: lesson images come from it. */
      catalogDocker: Docker;
      driver: SandboxDriver;
      store: XfsStore;
      config: Config;
      disk: SandboxDiskFacts;
      log: Logger;
    },
  ) {}

  async seedKey(images: string[]): Promise<string> {
    const { catalogDocker, driver, config, disk } = this.deps;
    const missing = (ref: string) => new Error(`image ${ref} is not on this Docker host: run "npm start" to build the image catalog`);
    const sandboxImage = await driver.imageId(config.SANDBOX_IMAGE);
    if (!sandboxImage) throw missing(config.SANDBOX_IMAGE);
    const ids = [`${config.SANDBOX_IMAGE}@${sandboxImage}`];
    for (const ref of [...images].sort()) {
      const image = await catalogDocker.getImage(ref).inspect().catch(() => {
        throw missing(ref);
      });
      ids.push(`${ref}@${image.Id}`);
    }
    // The owner is part of the key: a seed made for one isolation's uid does not fit the other.
    const owner = `${disk.owner.uid}:${disk.owner.gid}`;
    return createHash('sha256').update(JSON.stringify({ ids, disk: config.SANDBOX_DISK_GB, owner, layout: 2 })).digest('hex').slice(0, 16);
  }

  /** The seed file for these images, built first when missing (concurrent callers share one build). */
  async seedFor(images: string[]): Promise<string> {
    const key = await this.seedKey(images);
    const file = path.join(this.deps.store.seedsDir, `${key}.img`);
    if (existsSync(file)) return file;
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.build(key, images, file).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    return pending;
  }

  private async build(key: string, images: string[], file: string): Promise<string> {
    const { catalogDocker, driver, store, config, disk, log } = this.deps;
    const started = Date.now();
    const tmp = `${file}.tmp`;
    const dir = path.join(config.DOCKYARD_DATA_DIR, 'seeding', key);
    const name = `dockyard-seed-${config.DOCKYARD_INSTANCE}-${key}`;
    log.info('seed.build.start', { key, images });
    await driver.destroy(name);
    await store.unmount(dir);
    await store.createImage(tmp, config.SANDBOX_DISK_GB);
    await store.mountImage(tmp, dir);
    try {
      await prepareSandboxDisk(dir, disk);
      const labels = { [labelKeys.managed]: 'true', [labelKeys.role]: 'seed', [labelKeys.instance]: config.DOCKYARD_INSTANCE };
      const containerId = await driver.create({ name, labels, diskDir: dir });
      await driver.waitReady(containerId, config.SANDBOX_READY_TIMEOUT_SECONDS * 1000);
      if (images.length > 0) {
        // `docker save` on the host's engine, streamed into `docker load` in the seed sandbox.
        // dockerode has GET /images/get (getImages) but its types do not: typed here, checked at run time.
        const exportImages = (catalogDocker as unknown as { getImages(options: { names: string[] }): Promise<Readable> }).getImages;
        if (typeof exportImages !== 'function') throw new Error('this dockerode version cannot export images');
        const tar = await exportImages.call(catalogDocker, { names: images });
        const loaded = await driver.exec(containerId, ['docker', 'load'], { stdin: tar, timeoutMs: 15 * 60_000 });
        if (loaded.exitCode !== 0) throw new Error(`docker load in the seed sandbox failed: ${(loaded.stderr || loaded.stdout).trim().slice(-500)}`);
      }
      // A clean stop leaves the inner daemon's data root consistent for every clone.
      await driver.stop(containerId, 30);
      await driver.destroy(name);
      await store.unmount(dir);
      await rename(tmp, file);
      log.info('seed.build.done', { key, images, ms: Date.now() - started });
      return file;
    } catch (error) {
      await driver.destroy(name).catch(() => undefined);
      await store.unmount(dir).catch(() => undefined);
      await rm(tmp, { force: true });
      throw error;
    }
  }

  /**
   * Deletes seeds no current lesson uses (built for older images) once they are a day old, so an
   * engine running older lessons on the same host is not robbed mid-clone. Clones stay valid.
   */
  async pruneExcept(imageSets: string[][], minAgeMs = 24 * 60 * 60 * 1000): Promise<void> {
    const keep = new Set<string>();
    for (const images of imageSets) keep.add(`${await this.seedKey(images)}.img`);
    for (const entry of await readdir(this.deps.store.seedsDir)) {
      if (!entry.endsWith('.img') || keep.has(entry)) continue;
      const file = path.join(this.deps.store.seedsDir, entry);
      const { mtimeMs } = await stat(file);
      if (Date.now() - mtimeMs > minAgeMs) await rm(file, { force: true });
    }
  }
}
