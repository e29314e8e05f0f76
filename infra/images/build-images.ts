import { join } from 'node:path';
import type Docker from 'dockerode';
import { CONTEXT_HASH_LABEL, IMAGE_LABELS_VERSION, imageLabels } from '../lib/dockyard-labels.js';
import { inspectImages } from '../lib/inspect-images.js';
import { secondsSince } from '../lib/start-heartbeat.js';
import { ensureBaseImage } from './build-base-image.js';
import { type CatalogImage, findCatalogImage, imageCatalog, imageContextDir } from './catalog.js';
import { contextHash } from './context-hash.js';
import { dockerBuild } from './docker-build.js';
import { dockerfileFromRefs } from './dockerfile-from-refs.js';
import { removeIfDangling } from '../lib/remove-if-dangling.js';
import { tagAliases } from './tag-aliases.js';

/**
 * Builds the catalog's images (all, or those named in `refs` plus what they build FROM) that are
 * missing or out of date: the Debian base by debootstrap, the others through the engine's build API when the
 * hash of their folder + FROM image ids differs from the `org.dockyard.context-hash` label of the
 * local image. Nothing changed: about a second.
 */
export async function ensureCatalogImages(log: (line: string) => void, docker: Docker, refs?: string[]): Promise<void> {
  const started = Date.now();
  const wanted = (refs ?? imageCatalog.map((image) => image.ref)).map((ref) => {
    const image = findCatalogImage(ref);
    if (!image) throw new Error(`${ref} is not in infra/images/catalog.ts`);
    return image;
  });
  const order = await buildOrder(wanted);
  const replaced: string[] = [];
  const existing = await inspectImages(docker, order.flatMap(({ image }) => [image.ref, ...image.aliases]));
  let built = 0;
  // Images whose FROM images are ready build side by side (mostly waiting on Debian's mirror).
  const slots = createSlots(BUILDS_AT_ONCE);
  const ids = new Map<string, Promise<string>>();

  const ensureOne = async ({ image, fromRefs }: Planned): Promise<string> => {
    const fromIds: string[] = [];
    for (const from of fromRefs) {
      const id = (await ids.get(from)) ?? (await inspectImages(docker, [from])).get(from)?.id;
      if (!id) throw new Error(`${image.ref}: FROM ${from} is not a local image nor in the catalog (no registry is reachable)`);
      fromIds.push(`${from}=${id}`);
    }
    return slots(async () => {
      if (image.context.kind === 'debootstrap') {
        const before = existing.get(image.ref)?.id;
        const id = await ensureBaseImage(log, docker, image.ref);
        if (id !== before) {
          built += 1;
          if (before) replaced.push(before); // removed once its old children are gone
        }
        return id;
      }
      const contextDir = imageContextDir(image.context.folder);
      const hash = await contextHash(contextDir, [...fromIds, IMAGE_LABELS_VERSION]);
      const current = existing.get(image.ref);
      if (current && current.labels[CONTEXT_HASH_LABEL] === hash) {
        await tagAliasesIfNeeded(log, docker, image, current.id, existing);
        log(`${image.ref}: up to date (${current.id.slice(7, 19)})`);
        return current.id;
      }
      log(`${image.ref}: ${current ? 'out of date (folder or FROM image changed), rebuilding' : 'building'} from infra/images/${image.context.folder}`);
      const id = await dockerBuild((line) => log(`${image.ref}: ${line.trim()}`), {
        contextDir,
        tags: [image.ref, ...image.aliases],
        labels: imageLabels(image.ref, hash),
      }, docker);
      const after = (await inspectImages(docker, [image.ref])).get(image.ref);
      log(`${image.ref}: ${((after?.size ?? 0) / 1e6).toFixed(0)} MB (${id.slice(7, 19)})`);
      if (current && current.id !== id) replaced.push(current.id);
      built += 1;
      return id;
    });
  };
  for (const planned of order) ids.set(planned.image.ref, ensureOne(planned));
  // Wait for every build even when one fails, then report the first failure.
  const results = await Promise.allSettled(ids.values());
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  // Children first, so a replaced base is no longer held by a replaced child.
  for (const id of replaced.reverse()) await removeIfDangling(log, docker, id);
  log(`images: ${order.length} checked, ${built} built, in ${secondsSince(started)} s`);
}

async function tagAliasesIfNeeded(
  log: (line: string) => void,
  docker: Docker,
  image: CatalogImage,
  id: string,
  existing: Map<string, { id: string }>,
) {
  const missing = image.aliases.filter((alias) => existing.get(alias)?.id !== id);
  if (missing.length > 0) await tagAliases(log, docker, id, missing);
}

const BUILDS_AT_ONCE = 3;

/** Runs at most `size` tasks at a time. */
function createSlots(size: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

interface Planned {
  image: CatalogImage;
  fromRefs: string[];
}

/** The wanted images and the catalog images they build FROM, each after what it depends on. */
async function buildOrder(wanted: CatalogImage[]): Promise<Planned[]> {
  const order: Planned[] = [];
  const visiting = new Set<string>();
  const visit = async (image: CatalogImage) => {
    if (order.some((planned) => planned.image.ref === image.ref)) return;
    if (visiting.has(image.ref)) throw new Error(`catalog: ${image.ref} builds FROM itself (cycle)`);
    visiting.add(image.ref);
    const fromRefs =
      image.context.kind === 'dockerfile'
        ? await dockerfileFromRefs(join(imageContextDir(image.context.folder), 'Dockerfile'))
        : [];
    const resolved: string[] = [];
    for (const from of fromRefs) {
      const parent = findCatalogImage(from);
      if (parent) await visit(parent);
      resolved.push(parent ? parent.ref : from);
    }
    visiting.delete(image.ref);
    order.push({ image, fromRefs: resolved });
  };
  for (const image of wanted) await visit(image);
  return order;
}
