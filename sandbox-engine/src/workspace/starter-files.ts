import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pack } from 'tar-stream';

/**
 * A lesson's starting files (lessons/<slug>/_files/) as a tar archive to unpack in the learner's
 * working directory, or undefined when the lesson has none. File modes are kept (scripts stay executable).
 */
export async function starterFilesArchive(directory: string): Promise<Buffer | undefined> {
  if (!existsSync(directory)) return undefined;
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  const add = async (relative: string): Promise<void> => {
    for (const entry of (await readdir(path.join(directory, relative))).sort()) {
      const name = path.posix.join(relative, entry);
      const info = await stat(path.join(directory, name));
      if (info.isDirectory()) {
        archive.entry({ name: `${name}/`, type: 'directory', mode: 0o755 });
        await add(name);
      } else if (info.isFile()) {
        archive.entry({ name, mode: info.mode & 0o777 }, await readFile(path.join(directory, name)));
      }
    }
  };
  await add('');
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}
