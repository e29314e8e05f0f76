import { lstat, readFile, readlink } from 'node:fs/promises';
import { relative } from 'node:path';
import { Readable } from 'node:stream';
import { pack as tarPack, type Header } from 'tar-stream';
import { walkContext } from './walk-context.js';

/**
 * A build context directory as a tar stream for the engine's build API, like the docker CLI sends
 * it: directories, files and symlinks with their modes, owned by root. A file that cannot be read
 * ends the stream with that error.
 */
export function tarContext(dir: string): Readable {
  const pack = tarPack();
  const add = (header: Partial<Header> & Pick<Header, 'name'>, content?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (content) pack.entry(header, content, done);
      else pack.entry(header, done);
    });
  const fill = async () => {
    for (const entry of await walkContext(dir)) {
      const info = await lstat(entry.path);
      const header = { name: relative(dir, entry.path), mode: info.mode & 0o7777, mtime: info.mtime, uid: 0, gid: 0 };
      if (entry.kind === 'directory') await add({ ...header, type: 'directory' });
      else if (entry.kind === 'symlink') await add({ ...header, type: 'symlink', linkname: await readlink(entry.path) });
      else {
        // Build contexts here are a few kilobytes: read whole.
        const content = await readFile(entry.path);
        await add({ ...header, type: 'file', size: content.length }, content);
      }
    }
    pack.finalize();
  };
  fill().catch((error: Error) => pack.destroy(new Error(`build context ${dir}: ${error.message}`)));
  // A Node stream (tar-stream's are streamx streams), ending with the pack's error if it fails.
  return Readable.from(pack, { objectMode: false });
}
