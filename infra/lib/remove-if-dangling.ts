import { inspectImages } from './inspect-images.js';
import { runCommand } from '../../sandbox-engine/src/process/run-command.js';

/** Removes an image replaced by a rebuild, when nothing tags or uses it any more. */
export async function removeIfDangling(log: (line: string) => void, id: string | undefined): Promise<void> {
  if (!id) return;
  const image = (await inspectImages([id])).get(id);
  if (!image || image.repoTags.length > 0) return;
  const result = await runCommand('docker', ['image', 'rm', id], { allowFailure: true });
  if (result.code === 0) log(`  removed the previous image ${id.slice(7, 19)}`);
}
