import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** sbin directories are searched too: a root shell's PATH does not always have them. */
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Where an executable named `name` is found on PATH (or the usual system directories), or undefined. */
export async function commandExists(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of new Set(dirs)) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
