import path from 'node:path';
import { pack } from 'tar-stream';
import { MAX_EDITABLE_BYTES, type DirectoryListing, type FileContent, type FileEntry, type WriteFileRequest, type WriteFileResult } from '../contracts/workspace.js';
import { shellQuote } from '../process/shell-quote.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import { WorkspaceError } from './workspace-error.js';
import { isInsideWorkdir, resolveWorkspacePath, toWorkspacePath } from './workspace-path.js';

const TYPES: Record<string, FileEntry['type']> = { d: 'dir', f: 'file', l: 'link' };
const STAT_FORMAT = `'%y\\t%s\\t%T@\\t%m\\t%f\\n'`;

interface Stat {
  type: FileEntry['type'];
  size: number;
  mtimeMs: number;
  mode: number;
  name: string;
}

function parseStat(line: string): Stat | undefined {
  const [type, size, mtime, mode, ...name] = line.split('\t');
  if (type === undefined || size === undefined || mtime === undefined || mode === undefined) return undefined;
  return { type: TYPES[type] ?? 'other', size: Number(size), mtimeMs: Math.round(Number(mtime) * 1000), mode: parseInt(mode, 8), name: name.join('\t') };
}

/** Creates a one-file tar archive in memory. */
function tarOf(name: string, content: Buffer, mode: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const archive = pack();
    const chunks: Buffer[] = [];
    archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    archive.on('end', () => resolve(Buffer.concat(chunks)));
    archive.on('error', reject);
    archive.entry({ name, mode, mtime: new Date() }, content, (error) => (error ? reject(error) : archive.finalize()));
  });
}

/**
 * The learner's files in a sandbox, confined to the working directory: a path that leaves it,
 * directly or through a symlink, is refused.
 */
export class SandboxFiles {
  constructor(private readonly driver: SandboxDriver) {}

  private sh(containerId: string, script: string) {
    return this.driver.exec(containerId, ['bash', '-c', script], { timeoutMs: 15_000, maxOutputChars: 4 * MAX_EDITABLE_BYTES });
  }

  /** Resolves a workspace path and its real target; prints the stat line of the target, or "missing". */
  private async inspect(containerId: string, relative: string, extra = ''): Promise<{ absolute: string; stat?: Stat; rest: string[] }> {
    const absolute = resolveWorkspacePath(relative);
    const q = shellQuote(absolute);
    const { stdout } = await this.sh(
      containerId,
      `realpath -m ${q}; if [ -e ${q} ]; then find ${q} -maxdepth 0 -printf ${STAT_FORMAT}; else echo missing; fi; ${extra}`,
    );
    const [real = '', statLine = 'missing', ...rest] = stdout.split('\n');
    if (!isInsideWorkdir(real)) throw new WorkspaceError('outside-workdir', `${relative} leads outside the working directory.`);
    return { absolute, stat: statLine === 'missing' ? undefined : parseStat(statLine), rest };
  }

  async list(containerId: string, relative: string, all = false): Promise<DirectoryListing> {
    const q = shellQuote(resolveWorkspacePath(relative));
    const { absolute, stat, rest } = await this.inspect(
      containerId,
      relative,
      `[ -d ${q} ] && find ${q} -mindepth 1 -maxdepth 1 -printf ${STAT_FORMAT} | head -n 2000`,
    );
    if (!stat) throw new WorkspaceError('not-found', `${relative || '/'} does not exist.`);
    if (stat.type !== 'dir') throw new WorkspaceError('bad-request', `${relative} is not a directory.`);
    const entries = rest
      .map(parseStat)
      .filter((entry): entry is Stat => entry !== undefined && (all || !entry.name.startsWith('.')))
      .map((entry) => ({ name: entry.name, path: toWorkspacePath(path.posix.join(absolute, entry.name)), type: entry.type, size: entry.size, mtimeMs: entry.mtimeMs }))
      .sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || a.name.localeCompare(b.name));
    return { path: toWorkspacePath(absolute), entries };
  }

  async read(containerId: string, relative: string): Promise<FileContent> {
    const q = shellQuote(resolveWorkspacePath(relative));
    const { absolute, stat, rest } = await this.inspect(
      containerId,
      relative,
      `if [ -f ${q} ] && [ "$(stat -L -c %s ${q})" -le ${MAX_EDITABLE_BYTES} ]; then base64 -w0 ${q}; fi`,
    );
    if (!stat) throw new WorkspaceError('not-found', `${relative} does not exist.`);
    if (stat.type === 'dir') throw new WorkspaceError('bad-request', `${relative} is a directory.`);
    const base = { path: toWorkspacePath(absolute), size: stat.size, mtimeMs: stat.mtimeMs };
    if (stat.size > MAX_EDITABLE_BYTES) {
      return { ...base, content: '', readOnly: true, notice: `This file is ${Math.round(stat.size / 1024)} KiB: files over ${MAX_EDITABLE_BYTES / 1024} KiB open read-only. Use the terminal (less, head) to read it.` };
    }
    const bytes = Buffer.from(rest.join('\n').trim(), 'base64');
    let content: string;
    try {
      if (bytes.includes(0)) throw new Error('binary');
      content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { ...base, content: '', readOnly: true, notice: 'This is a binary file: it cannot be edited here.' };
    }
    return { ...base, content, readOnly: false };
  }

  async write(containerId: string, request: WriteFileRequest): Promise<WriteFileResult> {
    const size = Buffer.byteLength(request.content);
    if (size > MAX_EDITABLE_BYTES) throw new WorkspaceError('too-large', `Files over ${MAX_EDITABLE_BYTES / 1024} KiB cannot be saved from the editor.`);
    const absolute = resolveWorkspacePath(request.path);
    const directory = path.posix.dirname(absolute);
    // The parent is created first so that realpath sees where the file will really land.
    const { stat } = await this.inspect(containerId, request.path, `mkdir -p ${shellQuote(directory)}`);
    if (stat?.type === 'dir') throw new WorkspaceError('bad-request', `${request.path} is a directory.`);
    if (request.baseMtimeMs !== undefined && stat && Math.abs(stat.mtimeMs - request.baseMtimeMs) > 1) {
      throw new WorkspaceError('conflict', `${request.path} changed in the sandbox since you opened it.`);
    }
    const real = (await this.sh(containerId, `realpath -m ${shellQuote(absolute)}`)).stdout.trim();
    if (!isInsideWorkdir(real)) throw new WorkspaceError('outside-workdir', `${request.path} leads outside the working directory.`);
    const tar = await tarOf(path.posix.basename(real), Buffer.from(request.content), stat?.type === 'file' ? stat.mode : 0o644);
    await this.driver.putArchive(containerId, path.posix.dirname(real), tar);
    const after = await this.inspect(containerId, request.path);
    return { path: toWorkspacePath(absolute), size: after.stat?.size ?? size, mtimeMs: after.stat?.mtimeMs ?? Date.now() };
  }
}
