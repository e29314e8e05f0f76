import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { walkContext } from './walk-context.js';

/**
 * sha256 over every file of a build context (relative path, executable bit, content, in a stable
 * order) plus whatever else the image depends on (`extra`: FROM image ids, build settings).
 */
export async function contextHash(dir: string, extra: string[] = []): Promise<string> {
  const hash = createHash('sha256');
  for (const { path: file } of (await walkContext(dir)).filter((entry) => entry.kind !== 'directory')) {
    const info = await stat(file);
    hash.update(`file ${relative(dir, file)} ${info.mode & 0o111 ? 'x' : '-'} ${info.size}\n`);
    hash.update(await readFile(file));
    hash.update('\n');
  }
  for (const item of extra) hash.update(`extra ${item}\n`);
  return hash.digest('hex');
}
