import { inspectImages } from '../lib/inspect-images.js';
import { runCommand } from '../lib/run-command.js';

/** Points each alias at image `id` (a no-op for aliases already there). */
export async function tagAliases(log: (line: string) => void, id: string, aliases: string[]): Promise<void> {
  if (aliases.length === 0) return;
  const existing = await inspectImages(aliases);
  for (const alias of aliases) {
    if (existing.get(alias)?.id === id) continue;
    await runCommand('docker', ['tag', id, alias]);
    log(`  tagged ${alias}`);
  }
}

/** Removes an image replaced by a rebuild, when nothing tags or uses it any more. */
export async function removeIfDangling(log: (line: string) => void, id: string | undefined): Promise<void> {
  if (!id) return;
  const image = (await inspectImages([id])).get(id);
  if (!image || image.repoTags.length > 0) return;
  const result = await runCommand('docker', ['image', 'rm', id], { allowFailure: true });
  if (result.code === 0) log(`  removed the previous image ${id.slice(7, 19)}`);
}
