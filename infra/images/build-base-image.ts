import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { CONTEXT_HASH_LABEL, IMAGE_LABELS_VERSION, imageLabels } from '../lib/dockyard-labels.js';
import { inspectImages } from '../lib/inspect-images.js';
import { runCommand, systemEnv } from '../../sandbox-engine/src/process/run-command.js';
import { secondsSince, startHeartbeat } from '../lib/start-heartbeat.js';
import { type CatalogImage, findCatalogImage, imageContextDir } from './catalog.js';
import { contextHash } from './context-hash.js';
import { importTree } from './import-tree.js';
import { removeIfDangling } from '../lib/remove-if-dangling.js';
import { tagAliases } from './tag-aliases.js';

export interface EnsureBaseImageOptions {
  /** Parent of the temporary root filesystem trees. */
  buildRoot?: string;
  /** Keeps downloaded .debs between builds. */
  cacheDir?: string;
}

const BUILD_ROOT = '/var/lib/dockyard/build';
const CACHE_DIR = '/var/lib/dockyard/cache/debootstrap';
/** Bump when this file changes how the tree is made, to force a rebuild. */
const RECIPE_VERSION = 'base-recipe-1';
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Makes the Debian base image (default `debian:bookworm`) from Debian's mirror: debootstrap into a
 * directory, finish it in a chroot (infra/images/<folder>/finish-rootfs.sh), tar it into the
 * engine's import API, tag the aliases. Skipped when the local image carries the same recipe hash.
 * Returns the image id.
 */
export async function ensureBaseImage(
  log: (line: string) => void,
  docker: Docker,
  ref = 'debian:bookworm',
  options: EnsureBaseImageOptions = {},
): Promise<string> {
  const image = findCatalogImage(ref);
  if (!image || image.context.kind !== 'debootstrap') throw new Error(`${ref} is not a debootstrap image in the catalog`);
  const context = image.context;
  const hash = await contextHash(imageContextDir(context.folder), [RECIPE_VERSION, IMAGE_LABELS_VERSION, JSON.stringify(context)]);

  const existing = (await inspectImages(docker, [image.ref])).get(image.ref);
  if (existing && existing.labels[CONTEXT_HASH_LABEL] === hash) {
    await tagAliases(log, docker, existing.id, image.aliases);
    log(`${image.ref}: up to date (${existing.id.slice(7, 19)})`);
    return existing.id;
  }
  log(`${image.ref}: building from ${context.mirror} (debootstrap ${context.variant} ${context.suite})`);

  const buildRoot = options.buildRoot ?? BUILD_ROOT;
  const cacheDir = options.cacheDir ?? CACHE_DIR;
  await mkdir(buildRoot, { recursive: true });
  await mkdir(cacheDir, { recursive: true });
  await removeStaleTrees(log, buildRoot);
  const tree = await mkdtemp(join(buildRoot, `rootfs-${context.suite}-${process.pid}-`));
  await chmod(tree, 0o755); // mkdtemp makes it 0700: it becomes the image's "/"
  const started = Date.now();
  try {
    await debootstrap(log, image, tree, cacheDir);
    await finishTree(log, image, tree);
    const id = await importBaseTree(log, docker, image, tree, hash);
    await tagAliases(log, docker, id, image.aliases);
    const size = (await inspectImages(docker, [id])).get(id)?.size ?? 0;
    log(`${image.ref}: built in ${secondsSince(started)} s, ${(size / 1e6).toFixed(0)} MB (${id.slice(7, 19)})`);
    if (existing && existing.id !== id) await removeIfDangling(log, docker, existing.id);
    return id;
  } finally {
    await removeTree(tree);
  }
}

async function debootstrap(log: (line: string) => void, image: CatalogImage, tree: string, cacheDir: string) {
  if (image.context.kind !== 'debootstrap') return;
  const { suite, variant, mirror } = image.context;
  const started = Date.now();
  let phase = '';
  let count = 0;
  let last = '';
  const closePhase = () => {
    if (phase && count > 1) log(`  debootstrap: ${phase}: ${count} done (${secondsSince(started)} s)`);
  };
  const stop = startHeartbeat(log, 10_000, () => `  debootstrap: ${last} (${secondsSince(started)} s)`);
  try {
    await runCommand(
      'debootstrap',
      [`--variant=${variant}`, `--cache-dir=${cacheDir}`, suite, tree, mirror],
      {
        onLine: (line) => {
          const match = /^([IWE]): (\S+)(.*)$/.exec(line);
          if (!match) return;
          const [, level, verb = '', rest = ''] = match;
          last = `${verb}${rest}`;
          if (level !== 'I') {
            log(`  debootstrap: ${line}`);
            return;
          }
          // One progress line per phase (downloads are Retrieving + Validating pairs).
          const group = verb === 'Validating' ? 'Retrieving' : verb;
          if (group === phase) {
            if (verb !== 'Validating') count += 1;
            return;
          }
          closePhase();
          phase = group;
          count = 1;
          log(`  debootstrap: ${verb}${rest}`);
        },
      },
    );
  } finally {
    stop();
  }
  closePhase();
  log(`  debootstrap: done in ${secondsSince(started)} s`);
}

async function finishTree(log: (line: string) => void, image: CatalogImage, tree: string) {
  if (image.context.kind !== 'debootstrap') return;
  const started = Date.now();
  const script = await readFile(join(imageContextDir(image.context.folder), 'finish-rootfs.sh'), 'utf8');
  await copyFile('/etc/resolv.conf', join(tree, 'etc/resolv.conf'));
  let upgraded = 0;
  await runCommand('chroot', [tree, '/bin/sh', '-s'], {
    input: script,
    env: systemEnv({
      SUITE: image.context.suite,
      MIRROR: image.context.mirror,
      SECURITY_MIRROR: image.context.securityMirror,
      HOME: '/root',
    }),
    onLine: (line) => {
      if (line.startsWith('finish:')) log(`  ${line}`);
      else if (line.startsWith('Setting up')) upgraded += 1;
      else if (/^(E|W):/.test(line)) log(`  chroot: ${line}`);
      else if (/upgraded, .* newly installed/.test(line)) log(`  chroot: ${line}`);
    },
  });
  log(`  finished the tree in ${secondsSince(started)} s (${upgraded} packages set up)`);
}

async function importBaseTree(log: (line: string) => void, docker: Docker, image: CatalogImage, tree: string, hash: string): Promise<string> {
  const started = Date.now();
  const labels = imageLabels(image.ref, hash);
  const changes = [
    'CMD ["bash"]',
    `ENV PATH=${IMAGE_PATH}`,
    ...Object.entries(labels).map(([key, value]) => `LABEL ${key}=${value}`),
  ];
  const id = await importTree({ tree, ref: image.ref, changes }, docker);
  log(`  docker import: ${image.ref} in ${secondsSince(started)} s`);
  return id;
}

/** Trees left by an interrupted build (its process is gone; a build running in parallel keeps its tree). */
async function removeStaleTrees(log: (line: string) => void, buildRoot: string) {
  for (const name of await readdir(buildRoot)) {
    const pid = Number(/^rootfs-[a-z]+-(\d+)-/.exec(name)?.[1]);
    if (!name.startsWith('rootfs-') || (pid && processAlive(pid))) continue;
    log(`  removing the leftover tree ${name}`);
    await removeTree(join(buildRoot, name));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Deletes a tree, refusing if anything is mounted inside it (a bind mount would lose host files). */
async function removeTree(tree: string) {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  const inside = mounts
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mountPoint) => mountPoint === tree || mountPoint.startsWith(`${tree}/`));
  if (inside.length > 0) throw new Error(`not removing ${tree}: mounted inside it: ${inside.join(', ')}`);
  await rm(tree, { recursive: true, force: true });
}
