import type * as MonacoApi from 'monaco-editor/editor/editor.api';
import { languageForPath } from './language-for-path.ts';

type Monaco = typeof MonacoApi;

export interface OpenDocument {
  path: string;
  model: MonacoApi.editor.ITextModel;
  /** mtime of the version loaded or last saved; undefined while the file does not exist yet. */
  baseMtimeMs: number | undefined;
  /** The model's alternative version id at that moment: differs while there are unsaved edits. */
  savedVersion: number;
  readOnly: boolean;
  readOnlyReason?: string;
  conflict?: 'changed' | 'deleted';
  viewState?: MonacoApi.editor.ICodeEditorViewState | null;
}

export interface LoadedFile {
  content: string;
  /** undefined for a file that does not exist yet. */
  mtimeMs: number | undefined;
  readOnly: boolean;
  notice?: string;
}

/**
 * The files opened in the editor, one Monaco model each (so edits to a file not shown are kept
 * until saved), with what is needed to tell unsaved edits and to save without overwriting a newer
 * version.
 */
export class OpenDocuments {
  readonly #documents = new Map<string, OpenDocument>();

  constructor(
    readonly monaco: Monaco,
    readonly changed: () => void,
  ) {}

  get(path: string): OpenDocument | undefined {
    return this.#documents.get(path);
  }

  /** The document of a path with the sandbox's version of it: a new model, or the old one updated. */
  load(path: string, file: LoadedFile): OpenDocument {
    const { monaco } = this;
    const firstLine = file.content.slice(0, file.content.indexOf('\n') >>> 0);
    const language = languageForPath(path, firstLine);
    let doc = this.#documents.get(path);
    if (doc) {
      if (doc.model.getValue() !== file.content) doc.model.setValue(file.content);
      monaco.editor.setModelLanguage(doc.model, language);
    } else {
      const model = monaco.editor.createModel(file.content, language, monaco.Uri.from({ scheme: 'file', path: `/root/${path}` }));
      model.onDidChangeContent(() => this.changed());
      doc = { path, model, baseMtimeMs: file.mtimeMs, savedVersion: 0, readOnly: file.readOnly };
      this.#documents.set(path, doc);
    }
    doc.baseMtimeMs = file.mtimeMs;
    doc.savedVersion = doc.model.getAlternativeVersionId();
    doc.readOnly = file.readOnly;
    doc.readOnlyReason = file.readOnly ? (file.notice ?? 'This file cannot be edited here.') : undefined;
    doc.conflict = undefined;
    return doc;
  }

  /** Unsaved edits, or a file that does not exist yet. */
  isDirty(doc: OpenDocument): boolean {
    return doc.model.getAlternativeVersionId() !== doc.savedVersion || (doc.baseMtimeMs === undefined && !doc.readOnly);
  }

  dirtyPaths(): string[] {
    return [...this.#documents.values()].filter((doc) => this.isDirty(doc)).map((doc) => doc.path);
  }

  close(doc: OpenDocument): void {
    this.#documents.delete(doc.path);
    doc.model.dispose();
  }

  clear(): void {
    for (const doc of this.#documents.values()) doc.model.dispose();
    this.#documents.clear();
  }
}
