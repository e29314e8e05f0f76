import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { servedImageRefs } from '../images/catalog.js';
import { inspectImages } from '../lib/inspect-images.js';
import { runCommand } from '../../sandbox-engine/src/process/run-command.js';
import { secondsSince, startHeartbeat } from '../lib/start-heartbeat.js';
import { DEFAULT_REGISTRY_PORT, mirrorRepository } from './registry-names.js';

export interface PushServedImagesOptions {
  port?: number;
  /** Remembers which image id was pushed under each name. */
  stateFile?: string;
}

const STATE_FILE = '/var/lib/dockyard/registry-pushed.json';
type PushState = Record<string, string>;

/**
 * Pushes every catalog image served to sandboxes (refs and aliases) to the local registry as
 * 127.0.0.1:PORT/library/NAME:TAG, skipping each name whose local image id is the one pushed last
 * time (state file) and that the registry still holds (its manifest's config digest is that id).
 */
export async function pushServedImages(log: (line: string) => void, options: PushServedImagesOptions = {}): Promise<void> {
  const port = options.port ?? DEFAULT_REGISTRY_PORT;
  const stateFile = options.stateFile ?? STATE_FILE;
  const started = Date.now();
  const refs = servedImageRefs();
  const local = await inspectImages(refs);
  const state = await readState(stateFile);
  let pushed = 0;

  for (const ref of refs) {
    const image = local.get(ref);
    if (!image) throw new Error(`registry push: ${ref} is not a local image: build the catalog images first`);
    const { repository, tag } = mirrorRepository(ref);
    const target = `127.0.0.1:${port}/${repository}:${tag}`;
    if (state[target] === image.id && (await registryConfigDigest(port, repository, tag)) === image.id) continue;

    const pushStarted = Date.now();
    await runCommand('docker', ['tag', image.id, target]);
    try {
      await dockerPush(log, target);
    } finally {
      // Only a name: the image stays under its catalog tags.
      await runCommand('docker', ['image', 'rm', target], { allowFailure: true });
    }
    state[target] = image.id;
    await writeState(stateFile, state);
    pushed += 1;
    log(`registry: pushed ${ref} as ${repository}:${tag} in ${secondsSince(pushStarted)} s`);
  }
  log(`registry: ${refs.length} names served, ${pushed} pushed, in ${secondsSince(started)} s`);
}

async function dockerPush(log: (line: string) => void, target: string): Promise<void> {
  const layers = new Set<string>();
  const done = new Set<string>();
  const stop = startHeartbeat(log, 10_000, () => `  push ${target}: ${done.size}/${layers.size} layers`);
  try {
    await runCommand('docker', ['push', target], {
      onLine: (line) => {
        const layer = /^([0-9a-f]{12}): (.*)$/.exec(line);
        if (layer?.[1]) {
          layers.add(layer[1]);
          if (/^(Pushed|Layer already exists|Mounted from)/.test(layer[2] ?? '')) done.add(layer[1]);
        }
      },
    });
  } finally {
    stop();
  }
}

/** The config digest (= local image id) of NAME:TAG in the registry, or undefined. */
async function registryConfigDigest(port: number, repository: string, tag: string): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v2/${repository}/manifests/${tag}`, {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) return undefined;
    const manifest = (await response.json()) as { config?: { digest?: string } };
    return manifest.config?.digest;
  } catch {
    return undefined;
  }
}

async function readState(file: string): Promise<PushState> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as PushState) : {};
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
