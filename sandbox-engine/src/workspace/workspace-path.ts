import path from 'node:path';
import { WORKDIR } from '../contracts/workspace.js';
import { WorkspaceError } from './workspace-error.js';

/** "a/b" → "/root/a/b"; anything that would leave the working directory is refused. */
export function resolveWorkspacePath(relative: string): string {
  if (relative.includes('\0')) throw new WorkspaceError('bad-request', 'A path cannot contain NUL characters.');
  const absolute = path.posix.resolve(WORKDIR, relative.replace(/^\/+/, ''));
  if (absolute !== WORKDIR && !absolute.startsWith(`${WORKDIR}/`)) {
    throw new WorkspaceError('outside-workdir', `${relative} is outside the working directory ${WORKDIR}.`);
  }
  return absolute;
}

/** "/root/a/b" → "a/b". */
export const toWorkspacePath = (absolute: string) => path.posix.relative(WORKDIR, absolute);

/** Whether a resolved real path (symlinks followed) is still inside the working directory. */
export const isInsideWorkdir = (real: string) => real === WORKDIR || real.startsWith(`${WORKDIR}/`);
