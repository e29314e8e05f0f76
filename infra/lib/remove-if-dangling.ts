import type Docker from 'dockerode';
import { inspectImages } from './inspect-images.js';

/** Removes an image replaced by a rebuild, when nothing tags or uses it any more. */
export async function removeIfDangling(log: (line: string) => void, docker: Docker, id: string | undefined): Promise<void> {
  if (!id) return;
  const image = (await inspectImages(docker, [id])).get(id);
  if (!image || image.repoTags.length > 0) return;
  // Still used by a container (or already gone): leave it.
  const removed = await docker
    .getImage(id)
    .remove()
    .then(() => true, () => false);
  if (removed) log(`  removed the previous image ${id.slice(7, 19)}`);
}
