import type { PanelViews } from '../panel-views.ts';
import { Poller } from '../poller.ts';
import { EditorPane } from './editor-pane.ts';
import { FileTree } from './file-tree.ts';
import { normaliseWorkspacePath } from './file-sync.ts';
import { wireNewFileForm } from './new-file-form.ts';
import { PortsList } from './ports-list.ts';
import { PreviewFrame } from './preview-frame.ts';
import { WorkspaceApi } from './workspace-api.ts';

const TREE_REFRESH_MS = 5_000;
const FILE_CHECK_MS = 3_000;
const PORTS_POLL_MS = 3_000;

/**
 * The learner's workspace beside the terminals: the file tree and editor (Editor tab) and the
 * published ports with their preview (Preview tab). It polls only while the sandbox is connected
 * and the page is visible; the tree and the open file only while the editor is shown.
 */
export class Workspace {
  readonly api: WorkspaceApi;
  readonly #tree: FileTree;
  readonly #editor: EditorPane;
  readonly #ports: PortsList;
  readonly #preview: PreviewFrame;
  readonly #pollers: Poller[];
  #connected = false;

  constructor(
    root: HTMLElement,
    lesson: string,
    readonly views: PanelViews,
  ) {
    const find = <T extends HTMLElement>(selector: string): T => {
      const element = root.querySelector<T>(selector);
      if (!element) throw new Error(`workspace is missing ${selector}`);
      return element;
    };
    this.api = new WorkspaceApi(lesson);
    const editorPane = find('[data-editor-pane]');
    this.#tree = new FileTree(find('[data-file-tree]'), {
      list: (path) => this.api.list(path),
      open: (path) => void this.#editor.open(path).then(() => this.#editor.focus()),
    });
    this.#editor = new EditorPane(
      {
        pane: editorPane,
        host: find('[data-editor-host]'),
        path: find('[data-editor-path]'),
        dirty: find('[data-editor-dirty]'),
        save: find('[data-action="save-file"]'),
        notice: find('[data-editor-notice]'),
        status: find('[data-editor-status]'),
      },
      this.api,
      async () => (await import('./monaco-setup.ts')).monaco,
      {
        activeChanged: (path) => this.#tree.setActive(path),
        dirtyChanged: (paths) => this.#tree.setDirty(paths),
        saved: () => void this.#tree.refresh(),
      },
    );
    this.#ports = new PortsList(find('[data-ports-list]'), (port, url) => {
      this.#preview.open(port, url);
      this.#ports.setActive(port.hostPort);
    });
    this.#preview = new PreviewFrame({
      frameTemplate: find('[data-preview-frame-template]'),
      url: find('[data-preview-url]'),
      reload: find('[data-action="reload-preview"]'),
      newTab: find('[data-preview-new-tab]'),
      empty: find('[data-preview-empty]'),
      gone: find('[data-preview-gone]'),
      bar: find('[data-preview-bar]'),
    });

    const editorShown = () => this.#connected && views.current === 'editor';
    const treePoller = new Poller(() => this.#tree.refresh(), TREE_REFRESH_MS, editorShown);
    const filePoller = new Poller(() => this.#editor.check(), FILE_CHECK_MS, editorShown);
    const portsPoller = new Poller(() => this.#pollPorts(), PORTS_POLL_MS, () => this.#connected);
    this.#pollers = [treePoller, filePoller, portsPoller];

    views.onChange((view) => {
      if (view === 'editor') {
        void this.#editor.ready().then(() => this.#editor.layout());
        void treePoller.poke();
        void filePoller.poke();
      }
      if (view === 'preview') void portsPoller.poke();
    });
    // Coming back to the editor (from the terminal, another window) looks at the files again.
    let lastFocusCheck = 0;
    editorPane.addEventListener('focusin', () => {
      if (Date.now() - lastFocusCheck < 1000) return;
      lastFocusCheck = Date.now();
      void treePoller.poke();
      void filePoller.poke();
    });
    find('[data-action="refresh-files"]').addEventListener('click', () => void this.#tree.refresh());
    wireNewFileForm(find('[data-action="new-file"]'), find('[data-new-file-form]'), () => this.#editor.currentPath, (path) => void this.openFile(path));
  }

  /** The sandbox is connected: start polling. */
  connected(): void {
    this.#connected = true;
    for (const poller of this.#pollers) poller.start();
  }

  /** The sandbox is gone or unreachable: stop polling (the files stay on screen). */
  disconnected(): void {
    this.#connected = false;
    for (const poller of this.#pollers) poller.stop();
  }

  /** A new sandbox: nothing of the old one is shown. */
  reset(): void {
    this.#editor.clear();
    this.#tree.clear();
    this.#ports.clear();
    this.#preview.clear();
    this.views.setBadge('preview', '', '');
  }

  /** Shows a file in the editor (a step's "Open <file>"), revealing it in the tree. */
  async openFile(path: string): Promise<void> {
    const relative = normaliseWorkspacePath(path);
    if (!relative) return;
    this.views.show('editor');
    await this.#editor.open(relative);
    this.#editor.focus();
    await this.#tree.reveal(relative);
  }

  async #pollPorts(): Promise<void> {
    const result = await this.api.ports();
    if ('error' in result) return;
    this.#ports.update(result.data);
    this.#preview.portsChanged(result.data.ports);
    const count = result.data.ports.length;
    this.views.setBadge('preview', count ? String(count) : '', count === 1 ? '1 published port' : `${count} published ports`);
  }
}
