import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * sha256 over every file of a build context (relative path, executable bit, content, in a stable
 * order) plus whatever else the image depends on (`extra`: FROM image ids, build settings).
 */
export async function contextHash(dir: string, extra: string[] = []): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await listFiles(dir)) {
    const info = await stat(file);
    hash.update(`file ${relative(dir, file)} ${info.mode & 0o111 ? 'x' : '-'} ${info.size}\n`);
    hash.update(await readFile(file));
    hash.update('\n');
  }
  for (const item of extra) hash.update(`extra ${item}\n`);
  return hash.digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else if (entry.isFile() || entry.isSymbolicLink()) files.push(path);
  }
  return files;
}
