import type { FileEntry } from '../../../../sandbox-engine/src/contracts/workspace.js';

/**
 * What the editor does when the sandbox's copy of the open file is looked at again:
 * - 'none': nothing changed;
 * - 'reload': it changed and the editor holds no edits, so the new content is simply shown;
 * - 'changed': it changed while the editor holds edits: ask (Reload / Overwrite);
 * - 'deleted': it is gone while the editor holds edits (or showed it): ask (Save again / Close).
 */
export type SyncAction = 'none' | 'reload' | 'changed' | 'deleted';

export interface OpenFileState {
  /** mtime of the version the editor loaded or saved; undefined for a file not created yet. */
  baseMtimeMs: number | undefined;
  dirty: boolean;
}

/** `entry` is the file's line in a fresh listing of its folder, undefined when it is not there. */
export function syncAction(state: OpenFileState, entry: Pick<FileEntry, 'mtimeMs' | 'type'> | undefined): SyncAction {
  if (state.baseMtimeMs === undefined) return 'none';
  if (!entry || entry.type === 'dir') return 'deleted';
  if (entry.mtimeMs === state.baseMtimeMs) return 'none';
  return state.dirty ? 'changed' : 'reload';
}

/** "web/Dockerfile" → "web"; "Dockerfile" → "". */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** "web/Dockerfile" → "Dockerfile". */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * A path typed by the learner, relative to /root: "~/web/x", "/root/web/x" and "web/x" all give
 * "web/x"; empty segments and "." are dropped; undefined when it is empty or leaves /root.
 */
export function normaliseWorkspacePath(input: string): string | undefined {
  let text = input.trim();
  if (text.startsWith('~/')) text = text.slice(2);
  else if (text === '/root' || text.startsWith('/root/')) text = text.slice('/root'.length);
  const parts: string[] = [];
  for (const part of text.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.length > 0 ? parts.join('/') : undefined;
}
