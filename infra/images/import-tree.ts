import { spawn } from 'node:child_process';
import type Docker from 'dockerode';
import { systemEnv } from '../../sandbox-engine/src/process/run-command.js';
import { followDockerProgress } from '../lib/follow-docker-progress.js';
import { hostDocker, splitRef } from '../lib/host-docker.js';

export interface ImportTreeOptions {
  /** A root filesystem tree. */
  tree: string;
  /** NAME:TAG the image gets once imported whole. */
  ref: string;
  /** Dockerfile instructions applied to the image (CMD, ENV, LABEL, ...), like `docker import --change`. */
  changes: string[];
}

/**
 * `tar` of a directory tree (numeric owners, xattrs; /dev, /proc, /sys left empty) streamed into the
 * engine's import API. The image is imported without a name and tagged `ref` only once tar has
 * exited 0, so a tar that fails half way never leaves a truncated image under that name. Returns
 * the image id (sha256:…).
 */
export async function importTree(options: ImportTreeOptions, docker: Docker = hostDocker()): Promise<string> {
  const { tree } = options;
  const tarArgs = ['--numeric-owner', '--xattrs', '--xattrs-include=*', '-C', tree];
  tarArgs.push('--exclude=./dev/*', '--exclude=./proc/*', '--exclude=./sys/*', '-cf', '-', '.');
  const tar = spawn('tar', tarArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: systemEnv() });
  let tarError = '';
  tar.stderr.on('data', (chunk: Buffer) => (tarError += chunk.toString()));
  const tarDone = new Promise<number>((resolve) => {
    tar.on('error', (error) => {
      tarError += error.message;
      resolve(1);
    });
    tar.on('close', (code) => resolve(code ?? 1));
  });

  let id: string | undefined;
  try {
    const stream = await docker.importImage(tar.stdout, { changes: options.changes });
    await followDockerProgress(stream, (event) => {
      if (event.status?.startsWith('sha256:')) id = event.status.trim();
    });
  } catch (error) {
    tar.kill();
    const code = await tarDone;
    const tarNote = code !== 0 && tarError.trim() ? ` (tar: ${tarError.trim().slice(-300)})` : '';
    throw new Error(`docker import of ${tree} failed: ${(error as Error).message}${tarNote}`, { cause: error });
  }
  const tarCode = await tarDone;
  if (tarCode !== 0) {
    if (id) await docker.getImage(id).remove().catch(() => undefined);
    throw new Error(`tar of ${tree} failed (exit ${tarCode}): ${tarError.trim().slice(-500)}`);
  }
  if (!id) throw new Error(`docker import of ${tree} answered no image id`);
  await docker.getImage(id).tag(splitRef(options.ref));
  return id;
}
