import type Docker from 'dockerode';
import { followDockerProgress } from '../lib/follow-docker-progress.js';
import { startHeartbeat } from '../lib/start-heartbeat.js';

/**
 * Pushes NAME:TAG (NAME = registry host:port/repository) to an auth-less local registry, following
 * the engine's progress (a heartbeat with layers done every 10 s). Fails on any error the engine
 * reports in the stream. Returns the manifest digest.
 */
export async function pushImage(log: (line: string) => void, docker: Docker, name: string, tag: string): Promise<string> {
  const target = `${name}:${tag}`;
  const layers = new Set<string>();
  const done = new Set<string>();
  let digest: string | undefined;
  const stop = startHeartbeat(log, 10_000, () => `  push ${target}: ${done.size}/${layers.size} layers`);
  try {
    // The engine wants an X-Registry-Auth header even for a registry without auth: an empty one.
    const stream = await docker.getImage(name).push({ tag, authconfig: {} });
    await followDockerProgress(stream, (event) => {
      if (event.aux?.Digest) digest = event.aux.Digest;
      if (!event.id || !/^[0-9a-f]{12}$/.test(event.id)) return;
      layers.add(event.id);
      if (/^(Pushed|Layer already exists|Mounted from)/.test(event.status ?? '')) done.add(event.id);
    });
  } catch (error) {
    throw new Error(`registry: pushing ${target} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    stop();
  }
  if (!digest) throw new Error(`registry: pushing ${target} ended without a digest (the engine closed the stream early)`);
  return digest;
}
