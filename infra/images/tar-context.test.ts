import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extract } from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { tarContext } from './tar-context.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function entries(stream: NodeJS.ReadableStream) {
  const found: { name: string; type: string; mode: number; uid: number; linkname: string | null; content: string }[] = [];
  const reader = extract();
  stream.on('error', (error: Error) => reader.destroy(error));
  stream.pipe(reader);
  for await (const entry of reader) {
    let content = '';
    for await (const chunk of entry) content += (chunk as Buffer).toString();
    const { name, type, mode, uid, linkname } = entry.header;
    found.push({ name, type, mode, uid, linkname: linkname || null, content });
  }
  return found;
}

describe('tarContext', () => {
  it('packs directories, files and symlinks with their modes, owned by root, in a stable order', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tar-context-'));
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    await chmod(path.join(dir, 'Dockerfile'), 0o644);
    await mkdir(path.join(dir, 'bin'));
    await chmod(path.join(dir, 'bin'), 0o755);
    await writeFile(path.join(dir, 'bin', 'run'), '#!/bin/sh\n');
    await chmod(path.join(dir, 'bin', 'run'), 0o750);
    await symlink('bin/run', path.join(dir, 'link'));

    expect(await entries(tarContext(dir))).toEqual([
      { name: 'Dockerfile', type: 'file', mode: 0o644, uid: 0, linkname: null, content: 'FROM scratch\n' },
      { name: 'bin', type: 'directory', mode: 0o755, uid: 0, linkname: null, content: '' },
      { name: 'bin/run', type: 'file', mode: 0o750, uid: 0, linkname: null, content: '#!/bin/sh\n' },
      { name: 'link', type: 'symlink', mode: 0o777, uid: 0, linkname: 'bin/run', content: '' },
    ]);
  });

  it('ends the stream with an error naming the context when it cannot be read', async () => {
    const missing = path.join(tmpdir(), 'tar-context-missing-dir');
    await expect(entries(tarContext(missing))).rejects.toThrow(/build context .*tar-context-missing-dir: ENOENT/);
  });
});
