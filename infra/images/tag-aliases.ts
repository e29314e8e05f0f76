import type Docker from 'dockerode';
import { splitRef } from '../lib/host-docker.js';
import { inspectImages } from '../lib/inspect-images.js';

/** Points each alias at image `id` (a no-op for aliases already there). */
export async function tagAliases(log: (line: string) => void, docker: Docker, id: string, aliases: string[]): Promise<void> {
  if (aliases.length === 0) return;
  const existing = await inspectImages(docker, aliases);
  for (const alias of aliases) {
    if (existing.get(alias)?.id === id) continue;
    await docker.getImage(id).tag(splitRef(alias));
    log(`  tagged ${alias}`);
  }
}
