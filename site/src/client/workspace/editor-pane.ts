import type * as MonacoApi from 'monaco-editor/editor/editor.api';
import type { WorkspaceApi, WorkspaceError } from './workspace-api.ts';
import { baseName, parentOf, syncAction } from './file-sync.ts';
import { EditorNotice } from './editor-notice.ts';
import { OpenDocuments, type OpenDocument } from './open-documents.ts';

type Monaco = typeof MonacoApi;

export interface EditorPaneElements {
  pane: HTMLElement;
  host: HTMLElement;
  path: HTMLElement;
  dirty: HTMLElement;
  save: HTMLButtonElement;
  notice: HTMLElement;
  status: HTMLElement;
}

export interface EditorPaneEvents {
  /** The open file changed (undefined: none), or which files hold unsaved edits. */
  activeChanged(path: string | undefined): void;
  dirtyChanged(paths: string[]): void;
  /** A save went through: the file tree may show a new file. */
  saved(path: string): void;
}

/**
 * The editor: one Monaco instance showing one file at a time (edits to other files are kept until
 * saved), Save and Ctrl/Cmd+S, a dirty marker, and the sandbox's copy watched: a file changed there
 * reloads when the editor holds no edits, and asks "Reload / Overwrite" when it does. Saves send the
 * mtime the edits started from, so the engine refuses (409) to overwrite a newer file silently.
 */
export class EditorPane {
  readonly #notice: EditorNotice;
  #documents: OpenDocuments | undefined;
  #editor: MonacoApi.editor.IStandaloneCodeEditor | undefined;
  #loading: Promise<void> | undefined;
  #current: OpenDocument | undefined;
  #saving = false;
  #statusTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly elements: EditorPaneElements,
    readonly api: WorkspaceApi,
    readonly loadMonaco: () => Promise<Monaco>,
    readonly on: EditorPaneEvents,
  ) {
    this.#notice = new EditorNotice(elements.notice);
    elements.save.addEventListener('click', () => void this.save());
    elements.pane.addEventListener('keydown', (event) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
        event.preventDefault();
        void this.save();
      }
    });
    window.addEventListener('beforeunload', (event) => {
      if (this.dirtyPaths().length > 0) event.preventDefault();
    });
    this.#render();
  }

  get currentPath(): string | undefined {
    return this.#current?.path;
  }

  dirtyPaths(): string[] {
    return this.#documents?.dirtyPaths() ?? [];
  }

  /** Loads Monaco (once) and creates the editor in its host. */
  ready(): Promise<void> {
    this.#loading ??= this.#create();
    return this.#loading;
  }

  layout(): void {
    this.#editor?.layout();
  }

  focus(): void {
    this.#editor?.focus();
  }

  /** Shows a file: its edits if it has unsaved ones, otherwise the sandbox's current content. */
  async open(path: string): Promise<void> {
    await this.ready();
    const documents = this.#documents as OpenDocuments;
    const known = documents.get(path);
    if (known && documents.isDirty(known)) {
      this.#show(known);
      await this.check();
      return;
    }
    const result = await this.api.read(path);
    if ('error' in result) {
      if (result.error.code === 'not-found') {
        this.#show(documents.load(path, { content: '', mtimeMs: undefined, readOnly: false }));
        this.#notice.info(`${path} does not exist yet: it is created when you save.`);
        return;
      }
      this.#notice.error(`Could not open ${path}: ${result.error.message}`);
      return;
    }
    this.#show(documents.load(path, result.data));
  }

  /** Writes the shown file; `overwrite` drops the "changed since" guard (the learner chose so). */
  async save({ overwrite = false } = {}): Promise<void> {
    const doc = this.#current;
    if (!doc || this.#saving) return;
    if (doc.readOnly) {
      this.#notice.info(doc.readOnlyReason ?? 'This file is read-only in the editor.');
      return;
    }
    this.#saving = true;
    this.#render();
    const version = doc.model.getAlternativeVersionId();
    const result = await this.api.write({
      path: doc.path,
      content: doc.model.getValue(),
      ...(overwrite || doc.baseMtimeMs === undefined ? {} : { baseMtimeMs: doc.baseMtimeMs }),
    });
    this.#saving = false;
    if ('data' in result) {
      doc.baseMtimeMs = result.data.mtimeMs;
      doc.savedVersion = version;
      doc.conflict = undefined;
      if (doc === this.#current) {
        this.#notice.clear();
        this.#flashStatus(`Saved ${baseName(doc.path)}`);
      }
      this.on.saved(doc.path);
    } else {
      this.#saveFailed(doc, result.error);
    }
    this.#render();
  }

  /** Looks at the sandbox's copy of the shown file (polled, and when the pane gains focus). */
  async check(): Promise<void> {
    const doc = this.#current;
    if (!doc || this.#saving || doc.conflict) return;
    const listing = await this.api.list(parentOf(doc.path));
    if (doc !== this.#current || this.#saving || doc.conflict) return;
    if ('error' in listing && listing.error.code !== 'not-found') return;
    const entry = 'data' in listing ? listing.data.entries.find((candidate) => candidate.path === doc.path) : undefined;
    const action = syncAction({ baseMtimeMs: doc.baseMtimeMs, dirty: this.#isDirty(doc) }, entry);
    if (action === 'reload') {
      await this.#reload(doc, true);
    } else if (action === 'changed' || action === 'deleted') {
      doc.conflict = action;
      this.#showConflict(doc);
      this.#render();
    }
  }

  /** Forgets every file, for a new sandbox. */
  clear(): void {
    this.#documents?.clear();
    this.#current = undefined;
    this.#editor?.setModel(null);
    this.#notice.clear();
    this.#render();
  }

  async #create(): Promise<void> {
    this.elements.host.dataset.state = 'loading';
    const monaco = await this.loadMonaco();
    this.#documents = new OpenDocuments(monaco, () => this.#render());
    monaco.editor.setTheme('dockyard-dark');
    this.#editor = monaco.editor.create(this.elements.host, {
      model: null,
      automaticLayout: true,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontFamily: '"DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, ui-monospace, monospace',
      fontSize: 14,
      lineHeight: 20,
      tabSize: 2,
      renderWhitespace: 'selection',
      fixedOverflowWidgets: true,
      ariaLabel: 'Editor',
    });
    this.#editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => void this.save());
    this.elements.host.dataset.state = 'ready';
  }

  #show(doc: OpenDocument): void {
    const editor = this.#editor;
    if (!editor) return;
    if (this.#current && this.#current !== doc) this.#current.viewState = editor.saveViewState();
    this.#current = doc;
    editor.setModel(doc.model);
    if (doc.viewState) editor.restoreViewState(doc.viewState);
    editor.updateOptions({
      readOnly: doc.readOnly,
      readOnlyMessage: { value: doc.readOnlyReason ?? 'Read-only' },
      ariaLabel: `Editor: ${doc.path}${doc.readOnly ? ' (read-only)' : ''}`,
    });
    this.#notice.clear();
    if (doc.conflict) this.#showConflict(doc);
    else if (doc.readOnly) this.#notice.info(doc.readOnlyReason ?? 'Read-only.');
    this.#render();
    this.on.activeChanged(doc.path);
  }

  /** Replaces the editor's copy with the sandbox's; `quiet` keeps cursor and scroll where they were. */
  async #reload(doc: OpenDocument, quiet: boolean): Promise<void> {
    const result = await this.api.read(doc.path);
    if ('error' in result) {
      if (doc === this.#current) this.#notice.error(`Could not reload ${doc.path}: ${result.error.message}`);
      return;
    }
    if (quiet && this.#isDirty(doc)) {
      // The learner typed while the new version was on its way: ask instead.
      doc.conflict = 'changed';
      this.#showConflict(doc);
      this.#render();
      return;
    }
    const viewState = doc === this.#current ? this.#editor?.saveViewState() : undefined;
    this.#documents?.load(doc.path, result.data);
    if (doc === this.#current) {
      if (viewState) this.#editor?.restoreViewState(viewState);
      this.#notice.clear();
      if (doc.readOnly) this.#notice.info(doc.readOnlyReason ?? 'Read-only.');
      this.#flashStatus(quiet ? `Updated from the sandbox` : `Reloaded ${baseName(doc.path)}`);
    }
    this.#render();
  }

  #saveFailed(doc: OpenDocument, error: WorkspaceError): void {
    if (error.code === 'conflict') {
      doc.conflict = 'changed';
      if (doc === this.#current) this.#showConflict(doc);
      return;
    }
    const reason =
      error.code === 'too-large' ? `${doc.path} is too big to save from the editor.`
      : error.code === 'outside-workdir' ? `${doc.path} is outside /root, where the editor can write.`
      : `Could not save ${doc.path}: ${error.message}`;
    if (doc === this.#current) this.#notice.error(reason);
  }

  #showConflict(doc: OpenDocument): void {
    const name = doc.path;
    if (doc.conflict === 'deleted') {
      this.#notice.conflict(`${name} was deleted in the sandbox.`, [
        { label: 'Save again', run: () => void this.save({ overwrite: true }) },
        { label: 'Close', run: () => this.#close(doc) },
      ]);
      return;
    }
    this.#notice.conflict(`${name} changed in the sandbox since you opened it. Your edits are not saved.`, [
      {
        label: 'Reload',
        run: () => {
          doc.conflict = undefined;
          void this.#reload(doc, false);
        },
        describe: 'Show the sandbox version and drop your edits',
      },
      { label: 'Overwrite', run: () => void this.save({ overwrite: true }), describe: 'Save your version over the sandbox version' },
    ]);
  }

  #close(doc: OpenDocument): void {
    if (this.#current === doc) {
      this.#current = undefined;
      this.#editor?.setModel(null);
      this.on.activeChanged(undefined);
    }
    this.#documents?.close(doc);
    this.#notice.clear();
    this.#render();
  }

  #isDirty(doc: OpenDocument): boolean {
    return this.#documents?.isDirty(doc) ?? false;
  }

  #flashStatus(text: string): void {
    clearTimeout(this.#statusTimer);
    this.elements.status.textContent = text;
    this.#statusTimer = setTimeout(() => (this.elements.status.textContent = ''), 4000);
  }

  #lastDirty = '';

  #render(): void {
    const doc = this.#current;
    const { pane, path, dirty, save } = this.elements;
    pane.dataset.file = doc ? 'open' : 'none';
    path.textContent = doc ? doc.path : 'No file open';
    const isDirty = doc ? this.#isDirty(doc) : false;
    dirty.hidden = !isDirty;
    save.disabled = !doc || doc.readOnly;
    save.setAttribute('aria-disabled', String(this.#saving));
    save.textContent = this.#saving ? 'Saving…' : 'Save';
    const dirtyPaths = this.dirtyPaths();
    const key = dirtyPaths.join('\n');
    if (key !== this.#lastDirty) {
      this.#lastDirty = key;
      this.on.dirtyChanged(dirtyPaths);
    }
  }
}
