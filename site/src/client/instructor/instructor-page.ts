import type { ClassSummary, ClassTableRow } from '../../../../sandbox-engine/src/contracts/instructor.js';
import { copyText } from '../clipboard.ts';
import { ClassTableView } from './class-table-view.ts';
import { InstructorConnection, type ConnectionState } from './instructor-connection.ts';
import { createClass, instructorStatus, listClasses, removeMember, renewClassCode, resultsPath, signIn, signOut } from './instructor-api.ts';
import { WatchView } from './watch-view.ts';

const STATE_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live: the table updates as learners work.',
  reconnecting: 'Reconnecting…',
  closed: 'Not connected.',
};

/**
 * Wiring of /instructor: the server's status picks what shows (how to set a password, the sign-in
 * form, or the classes); a class shows its join link, exports and live table; a row's "Watch
 * terminal" opens the learner's terminal, read-only.
 */
function mountInstructorPage(root: HTMLElement): void {
  const find = <T extends HTMLElement>(selector: string): T => {
    const element = root.querySelector<T>(selector);
    if (!element) throw new Error(`instructor page is missing ${selector}`);
    return element;
  };
  const loading = find('[data-loading]');
  const notConfigured = find('[data-not-configured]');
  const signInSection = find('[data-sign-in]');
  const dashboard = find('[data-dashboard]');
  const signInForm = find<HTMLFormElement>('[data-sign-in-form]');
  const password = find<HTMLInputElement>('#instructor-password');
  const signInError = find('[data-sign-in-error]');
  const createForm = find<HTMLFormElement>('[data-create-class]');
  const className = find<HTMLInputElement>('#class-name');
  const createError = find('[data-create-error]');
  const classList = find('[data-class-list]');
  const classView = find('[data-class-view]');
  const liveState = find('[data-live-state]');
  const watchSection = find('[data-watch]');
  const watchState = find('[data-watch-state]');

  let classes: ClassSummary[] = [];
  let shown: ClassSummary | undefined;

  const tableView = new ClassTableView(
    find('[data-class-table]'),
    (row) => startWatch(row),
    (row) => void removeFromClass(row),
  );
  const watchView = new WatchView(find('[data-watch-terminal]'), (offset) => connection.ack(offset));
  const connection = new InstructorConnection(
    {
      state: (state, message) => {
        liveState.textContent = state === 'closed' && message ? `${STATE_TEXT.closed} ${message}` : STATE_TEXT[state];
      },
      signedOut: (message) => showSignIn(message),
      table: (table) => tableView.show(table),
      classFailed: (error) => {
        liveState.textContent = `Could not show the class: ${error.message}`;
      },
      watchStarted: (started) => {
        watchView.start(started);
        find('[data-watch-title]').textContent = `${started.displayName}'s terminal`;
        watchState.textContent = `Watching ${started.displayName} in “${started.lessonTitle}”. Read-only: what you type here does not reach their terminal.`;
      },
      watchFailed: (error) => {
        watchState.textContent = `Could not watch: ${error.message}`;
      },
      watchOutput: (output) => watchView.write(output),
      watchSize: (size) => watchView.resize(size),
      watchEnded: (ended) => {
        watchState.textContent = `Stopped watching: ${ended.message}`;
      },
    },
    () => watchView.position,
  );

  function show(section: 'loading' | 'not-configured' | 'sign-in' | 'dashboard'): void {
    loading.hidden = section !== 'loading';
    notConfigured.hidden = section !== 'not-configured';
    signInSection.hidden = section !== 'sign-in';
    dashboard.hidden = section !== 'dashboard';
  }

  function showSignIn(message?: string): void {
    connection.disconnect();
    show('sign-in');
    signInError.textContent = message ?? '';
    password.value = '';
  }

  async function start(): Promise<void> {
    const status = await instructorStatus();
    if ('error' in status) {
      loading.textContent = `Could not reach the server: ${status.error.message}`;
      return;
    }
    if (!status.data.configured) return show('not-configured');
    if (!status.data.signedIn) return showSignIn();
    await openDashboard();
  }

  async function openDashboard(): Promise<void> {
    show('dashboard');
    connection.connect();
    const listed = await listClasses();
    if ('error' in listed) {
      if (listed.error.code === 'unauthorized') return showSignIn(listed.error.message);
      createError.textContent = `Could not list the classes: ${listed.error.message}`;
      return;
    }
    classes = listed.data;
    renderClasses();
    const wanted = new URLSearchParams(location.hash.slice(1)).get('class');
    const initial = classes.find((entry) => entry.id === wanted);
    if (initial) openClass(initial);
  }

  function renderClasses(): void {
    if (classes.length === 0) {
      classList.replaceChildren(Object.assign(document.createElement('li'), { textContent: 'No classes yet: create one above.' }));
      return;
    }
    classList.replaceChildren(
      ...classes.map((entry) => {
        const item = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'instructor-class-button';
        button.textContent = entry.name;
        if (entry.id === shown?.id) button.setAttribute('aria-current', 'true');
        button.addEventListener('click', () => openClass(entry));
        const code = document.createElement('span');
        code.className = 'instructor-class-code';
        code.textContent = `code ${entry.code}`;
        item.append(button, ' ', code);
        return item;
      }),
    );
  }

  function openClass(entry: ClassSummary): void {
    shown = entry;
    history.replaceState(null, '', `#class=${encodeURIComponent(entry.id)}`);
    renderClasses();
    classView.hidden = false;
    find('[data-class-title]').textContent = entry.name;
    find('[data-class-code]').textContent = entry.code;
    const link = find<HTMLAnchorElement>('[data-join-link]');
    link.href = entry.joinPath;
    link.textContent = new URL(entry.joinPath, location.origin).href;
    find<HTMLAnchorElement>('[data-export-csv]').href = resultsPath(entry.id, 'csv');
    find<HTMLAnchorElement>('[data-export-json]').href = resultsPath(entry.id, 'json');
    find('[data-copy-state]').textContent = '';
    find('[data-code-state]').textContent = '';
    tableView.clear();
    stopWatch();
    connection.showClass(entry.id);
  }

  /** "Remove": a made-up learner (anyone with the code can join), or one who left. The table updates by itself. */
  async function removeFromClass(row: ClassTableRow): Promise<void> {
    if (!shown) return;
    const classEntry = shown;
    const sure = window.confirm(
      `Remove ${row.displayName} from ${classEntry.name}? Their progress stays theirs. They can join again with the code ${classEntry.code} unless you make a new join code.`,
    );
    if (!sure) return;
    const result = await removeMember(classEntry.id, row.learner);
    if ('error' in result) {
      if (result.error.code === 'unauthorized') return showSignIn(result.error.message);
      liveState.textContent = `Could not remove ${row.displayName}: ${result.error.message}`;
      return;
    }
    liveState.textContent = `${row.displayName} was removed from the class.`;
    if (watchSection.hidden === false && find('[data-watch-title]').textContent === `${row.displayName}'s terminal`) stopWatch();
  }

  function startWatch(row: ClassTableRow): void {
    if (!shown) return;
    watchSection.hidden = false;
    find('[data-watch-title]').textContent = `${row.displayName}'s terminal`;
    watchState.textContent = `Connecting to ${row.displayName}'s terminal…`;
    connection.watch(shown.id, row.learner);
    watchSection.scrollIntoView({ block: 'nearest' });
  }

  function stopWatch(): void {
    connection.stopWatching();
    watchView.reset();
    watchSection.hidden = true;
  }

  signInForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      signInError.textContent = '';
      const result = await signIn(password.value);
      if ('error' in result) {
        signInError.textContent = result.error.message;
        password.focus();
        return;
      }
      password.value = '';
      await openDashboard();
      find<HTMLHeadingElement>('#instructor-title').focus();
    })();
  });

  createForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      createError.textContent = '';
      const result = await createClass(className.value);
      if ('error' in result) {
        if (result.error.code === 'unauthorized') return showSignIn(result.error.message);
        createError.textContent = `Could not create the class: ${result.error.message}`;
        return;
      }
      className.value = '';
      classes = [result.data, ...classes];
      openClass(result.data);
      find<HTMLHeadingElement>('[data-class-title]').focus();
    })();
  });

  find('[data-copy-link]').addEventListener('click', () => {
    const link = find<HTMLAnchorElement>('[data-join-link]').href;
    void copyText(link).then((copied) => {
      find('[data-copy-state]').textContent = copied ? 'Link copied.' : 'Could not copy: select the link and copy it.';
    });
  });

  find('[data-renew-code]').addEventListener('click', () => {
    if (!shown) return;
    const classEntry = shown;
    if (!window.confirm(`Make a new join code for ${classEntry.name}? The code ${classEntry.code} and its link stop working; learners already in the class stay.`)) return;
    void renewClassCode(classEntry.id).then((result) => {
      if ('error' in result) {
        if (result.error.code === 'unauthorized') return showSignIn(result.error.message);
        find('[data-code-state]').textContent = `Could not make a new code: ${result.error.message}`;
        return;
      }
      classes = classes.map((entry) => (entry.id === result.data.id ? result.data : entry));
      if (shown?.id !== result.data.id) return;
      shown = result.data;
      renderClasses();
      find('[data-class-code]').textContent = result.data.code;
      const link = find<HTMLAnchorElement>('[data-join-link]');
      link.href = result.data.joinPath;
      link.textContent = new URL(result.data.joinPath, location.origin).href;
      find('[data-code-state]').textContent = `New code ${result.data.code}: the old one no longer works.`;
    });
  });

  find('[data-stop-watch]').addEventListener('click', () => stopWatch());

  find('[data-sign-out]').addEventListener('click', () => {
    void signOut().then(() => {
      stopWatch();
      tableView.clear();
      classView.hidden = true;
      shown = undefined;
      showSignIn('You are signed out.');
    });
  });

  void start();
}

const root = document.querySelector<HTMLElement>('[data-instructor]');
if (root) mountInstructorPage(root);
