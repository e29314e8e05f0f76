import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import { z } from 'zod';
import { servedImageRefs } from '../images/catalog.js';
import { isNotFound } from '../lib/host-docker.js';
import { inspectImages } from '../lib/inspect-images.js';
import { secondsSince } from '../lib/start-heartbeat.js';
import { pushImage } from './push-image.js';
import { DEFAULT_REGISTRY_PORT, mirrorRepository } from './registry-names.js';

export interface PushServedImagesOptions {
  port?: number;
  /** Remembers which image id was pushed under each name. */
  stateFile?: string;
}

const STATE_FILE = '/var/lib/dockyard/registry-pushed.json';
/** Registry name (127.0.0.1:PORT/library/NAME:TAG) → the image id pushed under it. */
const pushStateSchema = z.record(z.string());
type PushState = z.infer<typeof pushStateSchema>;
/** What is read of the registry's manifest (v2 schema 2): its config digest is the image id. */
const manifestSchema = z.object({ config: z.object({ digest: z.string() }) });

/**
 * Pushes every catalog image served to sandboxes (refs and aliases) to the local registry as
 * 127.0.0.1:PORT/library/NAME:TAG, skipping each name whose local image id is the one pushed last
 * time (state file) and that the registry still holds (its manifest's config digest is that id).
 */
export async function pushServedImages(log: (line: string) => void, docker: Docker, options: PushServedImagesOptions = {}): Promise<void> {
  const port = options.port ?? DEFAULT_REGISTRY_PORT;
  const stateFile = options.stateFile ?? STATE_FILE;
  const started = Date.now();
  const refs = servedImageRefs();
  const local = await inspectImages(docker, refs);
  const state = await readState(stateFile);
  let pushed = 0;

  for (const ref of refs) {
    const image = local.get(ref);
    if (!image) throw new Error(`registry push: ${ref} is not a local image: build the catalog images first`);
    const { repository, tag } = mirrorRepository(ref);
    const target = `127.0.0.1:${port}/${repository}:${tag}`;
    if (state[target] === image.id && (await registryConfigDigest(port, repository, tag)) === image.id) continue;

    const pushStarted = Date.now();
    const name = `127.0.0.1:${port}/${repository}`;
    await docker.getImage(image.id).tag({ repo: name, tag });
    try {
      await pushImage(log, docker, name, tag);
    } finally {
      // Only a name: the image stays under its catalog tags.
      await docker
        .getImage(target)
        .remove({ noprune: true })
        .catch((error: unknown) => {
          if (!isNotFound(error)) log(`registry: could not remove the temporary name ${target}: ${(error as Error).message}`);
        });
    }
    state[target] = image.id;
    await writeState(stateFile, state);
    pushed += 1;
    log(`registry: pushed ${ref} as ${repository}:${tag} in ${secondsSince(pushStarted)} s`);
  }
  log(`registry: ${refs.length} names served, ${pushed} pushed, in ${secondsSince(started)} s`);
}

/** The config digest (= local image id) of NAME:TAG in the registry, or undefined. */
async function registryConfigDigest(port: number, repository: string, tag: string): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v2/${repository}/manifests/${tag}`, {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) return undefined;
    const manifest = manifestSchema.safeParse(await response.json());
    return manifest.success ? manifest.data.config.digest : undefined;
  } catch {
    return undefined;
  }
}

async function readState(file: string): Promise<PushState> {
  try {
    const parsed = pushStateSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    // An unreadable state only costs a push of what the registry already holds.
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

async function writeState(file: string, state: PushState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, file);
}
