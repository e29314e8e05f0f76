import type { DirectoryListing, FileEntry } from '../../../../sandbox-engine/src/contracts/workspace.js';
import type { WorkspaceResult } from './workspace-api.ts';

export interface FileTreeOptions {
  list(path: string): Promise<WorkspaceResult<DirectoryListing>>;
  open(path: string): void;
}

/**
 * The learner's files under /root, folders expanded on demand. Each row is a button: a folder
 * toggles (aria-expanded), a file opens in the editor (aria-current marks the open one, a dot the
 * ones with unsaved edits). refresh() lists the root and every expanded folder again and redraws
 * only when something changed, keeping focus on the same row.
 */
export class FileTree {
  readonly #expanded = new Set<string>(['']);
  readonly #listings = new Map<string, FileEntry[]>();
  readonly #errors = new Map<string, string>();
  #active: string | undefined;
  #dirty = new Set<string>();
  #drawn = '';

  constructor(
    readonly root: HTMLElement,
    readonly options: FileTreeOptions,
  ) {
    root.addEventListener('click', (event) => {
      const row = (event.target as Element).closest<HTMLButtonElement>('button[data-path]');
      if (!row) return;
      const path = row.dataset.path ?? '';
      if (row.dataset.type === 'dir') void this.toggle(path);
      else options.open(path);
    });
  }

  async refresh(): Promise<void> {
    const folders = [...this.#expanded];
    const results = await Promise.all(folders.map(async (folder) => [folder, await this.options.list(folder)] as const));
    for (const [folder, result] of results) {
      if ('data' in result) {
        this.#listings.set(folder, result.data.entries);
        this.#errors.delete(folder);
      } else if (result.error.code === 'not-found' && folder !== '') {
        this.#expanded.delete(folder);
        this.#listings.delete(folder);
      } else {
        this.#errors.set(folder, result.error.message);
      }
    }
    this.#draw();
  }

  async toggle(folder: string): Promise<void> {
    if (this.#expanded.has(folder)) {
      this.#expanded.delete(folder);
      this.#draw();
      return;
    }
    this.#expanded.add(folder);
    this.#draw();
    const result = await this.options.list(folder);
    if ('data' in result) {
      this.#listings.set(folder, result.data.entries);
      this.#errors.delete(folder);
    } else {
      this.#errors.set(folder, result.error.message);
    }
    this.#draw();
  }

  /** Expands the folders above a path (when a step opens a file deep down). */
  async reveal(path: string): Promise<void> {
    const parts = path.split('/').slice(0, -1);
    let missing = false;
    for (let index = 1; index <= parts.length; index++) {
      const folder = parts.slice(0, index).join('/');
      if (!this.#expanded.has(folder)) {
        this.#expanded.add(folder);
        missing = true;
      }
    }
    if (missing) await this.refresh();
  }

  setActive(path: string | undefined): void {
    this.#active = path;
    this.#draw();
  }

  setDirty(paths: Iterable<string>): void {
    this.#dirty = new Set(paths);
    this.#draw();
  }

  /** Everything forgotten, for a new sandbox. */
  clear(): void {
    this.#expanded.clear();
    this.#expanded.add('');
    this.#listings.clear();
    this.#errors.clear();
    this.#active = undefined;
    this.#dirty.clear();
    this.#draw();
  }

  #draw(): void {
    const key = JSON.stringify([[...this.#expanded].sort(), [...this.#listings], [...this.#errors], this.#active, [...this.#dirty].sort()]);
    if (key === this.#drawn) return;
    this.#drawn = key;
    const focused = document.activeElement instanceof HTMLElement && this.root.contains(document.activeElement) ? document.activeElement.dataset.path : undefined;
    const entries = this.#listings.get('');
    if (!entries) {
      this.root.replaceChildren(note(this.#errors.get('') ?? 'Loading files…'));
      return;
    }
    this.root.replaceChildren(entries.length === 0 ? note('/root is empty. Files you create appear here.') : this.#list(entries, 0));
    if (focused !== undefined) {
      const row = [...this.root.querySelectorAll<HTMLElement>('button[data-path]')].find((button) => button.dataset.path === focused);
      row?.focus();
    }
  }

  #list(entries: FileEntry[], depth: number): HTMLUListElement {
    const list = document.createElement('ul');
    list.className = 'file-tree-list';
    list.setAttribute('role', 'list');
    for (const entry of entries) {
      const item = document.createElement('li');
      item.append(this.#row(entry, depth));
      if (entry.type === 'dir' && this.#expanded.has(entry.path)) {
        const children = this.#listings.get(entry.path);
        const error = this.#errors.get(entry.path);
        if (error) item.append(note(error, depth + 1));
        else if (!children) item.append(note('Loading…', depth + 1));
        else if (children.length === 0) item.append(note('empty', depth + 1));
        else item.append(this.#list(children, depth + 1));
      }
      list.append(item);
    }
    return list;
  }

  #row(entry: FileEntry, depth: number): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `file-tree-row file-tree-row--${entry.type}`;
    button.dataset.path = entry.path;
    button.dataset.type = entry.type;
    button.style.setProperty('--depth', String(depth));
    const icon = document.createElement('span');
    icon.className = 'file-tree-icon';
    icon.setAttribute('aria-hidden', 'true');
    const name = document.createElement('span');
    name.className = 'file-tree-name';
    name.textContent = entry.name;
    button.append(icon, name);
    if (entry.type === 'dir') {
      const open = this.#expanded.has(entry.path);
      button.setAttribute('aria-expanded', String(open));
      icon.textContent = open ? '▾' : '▸';
    } else {
      icon.textContent = entry.type === 'link' ? '↪' : '';
      if (entry.path === this.#active) button.setAttribute('aria-current', 'true');
      if (this.#dirty.has(entry.path)) {
        const dot = document.createElement('span');
        dot.className = 'file-tree-dirty';
        dot.textContent = '●';
        dot.title = 'Unsaved changes';
        const label = document.createElement('span');
        label.className = 'visually-hidden';
        label.textContent = ' (unsaved changes)';
        button.append(dot, label);
      }
    }
    return button;
  }
}

function note(text: string, depth = 0): HTMLParagraphElement {
  const p = document.createElement('p');
  p.className = 'file-tree-note';
  p.style.setProperty('--depth', String(depth));
  p.textContent = text;
  return p;
}
