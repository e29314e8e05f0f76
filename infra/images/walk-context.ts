import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface ContextEntry {
  path: string;
  kind: 'directory' | 'file' | 'symlink';
}

/**
 * Everything under a build context directory, depth first, names in a stable (code unit) order,
 * each directory before what it holds. Other kinds (sockets, fifos) are left out.
 */
export async function walkContext(dir: string): Promise<ContextEntry[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const found: ContextEntry[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push({ path, kind: 'directory' }, ...(await walkContext(path)));
    else if (entry.isFile()) found.push({ path, kind: 'file' });
    else if (entry.isSymbolicLink()) found.push({ path, kind: 'symlink' });
  }
  return found;
}
