import { LessonTransport, MAIN_TERMINAL } from './transport.ts';
import { createSession, endSession, leaveQueue } from './session-api.ts';
import { takeEarlySession } from './early-session.ts';
import { whenShown } from './prerender.ts';
import { markOnce } from './page-timings.ts';
import { startPlaceText } from './start-place-text.ts';
import { StepsView } from './steps.ts';
import { SessionBanner } from './session-banner.ts';
import { TerminalOverlay } from './terminal-overlay.ts';
import { Toasts } from './toasts.ts';
import { wireCodeBlocks } from './code-blocks.ts';
import { TerminalDeck } from './terminal-deck.ts';
import { findTerminal, nameForRef } from './terminal-ref.ts';
import { PanelViews } from './panel-views.ts';
import { PanelCollapse } from './panel-collapse.ts';
import { SplitHandle } from './split-handle.ts';
import { Workspace } from './workspace/workspace.ts';
import { WatchNotice } from './watch-notice.ts';
import { StepProgress } from './step-progress.ts';
import { StepHelp } from './step-help.ts';
import { ReplayBanner, type LessonStep } from './replay-banner.ts';
import { replayableSteps } from './replay-text.ts';
import { fetchProgress, recordStepEvent } from './progress-api.ts';
import type { LessonProgressResponse } from '../../../sandbox-engine/src/contracts/progress.js';

const FIRST_PROMPT_WAIT_MS = 5_000;

/**
 * Wiring of a lesson page: builds each piece and connects them. The flow is
 * POST /api/sessions (the first one sent by the inline script in the page's head, before this
 * module loads; a prerendered page sends it when the click shows it), with the socket's WebSocket
 * opened meanwhile → socket.io connect → terminal:attach for every terminal of the session (and again
 * on every reconnect); the workspace (files, editor, ports) polls while connected, and loads
 * Monaco only when the editor is first needed (its tab, or a file opened).
 */
function mountLessonPage(root: HTMLElement): void {
  const lesson = root.dataset.lesson;
  if (!lesson) throw new Error('lesson page without data-lesson');
  const find = <T extends HTMLElement>(selector: string): T => {
    const element = root.querySelector<T>(selector);
    if (!element) throw new Error(`lesson page is missing ${selector}`);
    return element;
  };

  const overlay = new TerminalOverlay(find('[data-terminal-overlay]'));
  const toasts = new Toasts(find('[data-toasts]'));
  const views = new PanelViews(find('[data-terminal-panel]'));
  const collapse = new PanelCollapse(find('[data-terminal-panel]'), find('[data-action="toggle-panel"]'), () => deck.fit(true));
  new SplitHandle(find('[data-split-handle]'), root);
  const workspace = new Workspace(find('[data-terminal-panel]'), lesson, views);
  let sessionId: string | undefined;
  let everAttached = false;
  let starting = false;
  /** While in the waiting line or waiting for a start: the timer of the next ask. */
  let queueTimer: number | undefined;
  /** What the page waits for between asks: its place in the waiting line, or its sandbox's start. */
  let waitingFor: 'line' | 'start' | undefined;
  const endButton = find<HTMLButtonElement>('[data-end-sandbox]');
  /** What the progress API remembers of this lesson (undefined until it answered, or when it cannot). */
  let recorded: LessonProgressResponse | undefined;
  /** The session whose sandbox is new (not resumed) and has not been offered the replay yet. */
  let replayOfferFor: string | undefined;
  const lessonSteps = new Map<string, LessonStep>();
  for (const section of root.querySelectorAll<HTMLElement>('[data-step-id]')) {
    const { stepId, stepNumber, stepTitle } = section.dataset;
    if (stepId) lessonSteps.set(stepId, { number: Number(stepNumber), title: stepTitle ?? stepId });
  }
  const stepProgress = new StepProgress(root);
  const help = new StepHelp(root, (step, kind) => void recordStepEvent({ lesson: lesson as string, step, kind }));
  const replayBanner = new ReplayBanner(find('[data-replay-banner]'), lessonSteps, () => transport.replay());

  const deck = new TerminalDeck(find('[data-terminal-hosts]'), find('[data-terminal-tabs]'), {
    input: (id, data) => transport.sendInput(id, data),
    resize: (id, size) => transport.resize(id, size),
    open: () => void openTerminal(),
    rename: (id, name) => void transport.renameTerminal(id, name).then((result) => {
      if ('error' in result) toasts.show(`Could not rename the terminal: ${result.error.message}`);
    }),
    close: (id) => void transport.closeTerminal(id).then((result) => {
      if ('error' in result) toasts.show(`Could not close the terminal: ${result.error.message}`);
      else deck.focus();
    }),
  });

  const transport = new LessonTransport(lesson, (id) => deck.size(id), {
    output: (id, data, written) =>
      deck.write(id, data, () => {
        if (id === MAIN_TERMINAL) markOnce('dockyard:first-output');
        written();
      }),
    attached: (id) => {
      if (id !== MAIN_TERMINAL) return;
      everAttached = true;
      overlay.hide();
      banner.setState('ready');
      deck.fit();
      workspace.connected();
      offerReplay();
    },
    attachFailed: (id, error) => {
      if (id !== MAIN_TERMINAL) {
        toasts.show(`Could not attach ${deck.terminals.find((t) => t.terminalId === id)?.name ?? id}: ${error.message}`);
        return;
      }
      if (error.code === 'no-session') showEnded('Your sandbox is no longer running.');
      else showError(error.message);
    },
    terminals: (list) => deck.sync(list),
    reconnecting: () => {
      workspace.disconnected();
      banner.setState('reconnecting');
      if (!everAttached) overlay.starting('Connecting to your sandbox…');
    },
    refused: (error) => {
      if (error.code === 'no-session') showEnded(error.message);
      else showError(error.message);
    },
    sessionInfo: (info) => {
      banner.setInfo(info);
      steps.markPassed(info.passedSteps);
      passedSteps(info.passedSteps);
    },
    expiring: (event) => banner.warn(event),
    ended: (event) => showEnded(event.message),
    stepResult: (result) => steps.showResult(result),
    replayProgress: (event) => replayBanner.progress(event),
    errorMessage: (event) => {
      console.warn(`[dockyard] ${event.event}: ${event.message}`);
      toasts.show(event.message);
    },
    watched: (watching) => watchNotice.set(watching),
  });
  const watchNotice = new WatchNotice(find('[data-session-banner]'));

  const banner = new SessionBanner(
    {
      state: find('[data-session-state]'),
      dot: find('[data-session-dot]'),
      countdown: find('[data-session-countdown]'),
      banner: find('[data-session-banner]'),
    },
    () => transport.keepalive(),
  );
  const steps = new StepsView(
    root,
    (stepId) => transport.check(stepId),
    (result) => {
      if (result.passed) passedSteps([result.stepId], true);
      else help.failed(result.stepId, result.hint);
    },
  );

  /** Steps passed: marked in the step list (and the completion panel shown once all are). */
  function passedSteps(ids: readonly string[], live = false): void {
    stepProgress.markPassed(ids, { live });
  }

  /** A new sandbox of a lesson the learner had started: offers to bring it to where they were. */
  function offerReplay(): void {
    if (!recorded || !sessionId || replayOfferFor !== sessionId || !transport.attached) return;
    replayOfferFor = undefined;
    replayBanner.offer(replayableSteps([...lessonSteps.keys()], recorded.passedSteps));
  }

  /** What the progress API remembers of this lesson: passed steps, help opened, and what a new sandbox could replay. */
  async function loadProgress(): Promise<void> {
    const answer = await fetchProgress();
    if ('error' in answer) {
      console.warn(`[dockyard] progress: ${answer.error.message}`);
      return;
    }
    recorded = answer.data.lessons.find((entry) => entry.lesson === lesson);
    if (!recorded) return;
    stepProgress.markPassed(recorded.passedSteps);
    help.restore(recorded);
    offerReplay();
  }
  void loadProgress();

  views.onChange((view) => {
    if (view !== 'editor') deck.fit(view === 'terminal');
  });
  // On a narrow screen a folded sandbox column unfolds when one of its tabs is chosen.
  find('[data-terminal-panel] [role="tablist"]').addEventListener('click', () => collapse.expand());

  /** "Skip to terminal", the page's second link: into the shown terminal, wherever the column is. */
  document.querySelector('[data-skip-to-terminal]')?.addEventListener('click', (event) => {
    event.preventDefault();
    collapse.expand();
    views.show('terminal');
    deck.focus();
  });

  /** Opens another terminal (named, for a block's `terminal=`) and shows it. */
  async function openTerminal(name?: string): Promise<string | undefined> {
    const result = await transport.openTerminal(name);
    if ('error' in result) {
      toasts.show(`Could not open a terminal: ${result.error.message}`);
      return undefined;
    }
    deck.show(result.data.terminalId);
    deck.focus();
    return result.data.terminalId;
  }

  /** Opens a named terminal once, however many Run clicks ask for it while it opens. */
  const opening = new Map<string, Promise<string | undefined>>();
  function openNamed(name: string): Promise<string | undefined> {
    let pending = opening.get(name);
    if (!pending) {
      pending = openTerminal(name).finally(() => opening.delete(name));
      opening.set(name, pending);
    }
    return pending;
  }

  /** Run: types a block into the terminal it names (opened when missing), else into main. */
  async function runInTerminal(input: string, ref: string | undefined): Promise<void> {
    let id: string | undefined = MAIN_TERMINAL;
    if (ref) id = findTerminal(transport.terminals, ref)?.terminalId ?? (await openNamed(nameForRef(ref)));
    if (!id) return;
    collapse.expand();
    if (views.current !== 'terminal' && window.matchMedia('(max-width: 60rem)').matches) views.show('terminal');
    deck.show(id);
    // A terminal just opened has no prompt yet: wait for it, so the command is not echoed twice.
    await transport.whenOutput(id, FIRST_PROMPT_WAIT_MS);
    transport.sendInput(id, input);
  }

  wireCodeBlocks(find('.lesson'), (input, ref) => void runInTerminal(input, ref));
  find('.lesson').addEventListener('click', (event) => {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button[data-action="open-file"]');
    if (button?.dataset.path) void workspace.openFile(button.dataset.path);
  });

  /** Asks for the sandbox (`early`: takes the answer the page's inline script asked for, if any). */
  async function startSession(options: { move?: boolean; quiet?: boolean; early?: boolean } = {}): Promise<void> {
    if (starting) return;
    starting = true;
    window.clearTimeout(queueTimer);
    queueTimer = undefined;
    if (!options.quiet) {
      overlay.starting();
      banner.setState('starting');
    }
    const result = await ((options.early ? takeEarlySession(lesson as string) : undefined) ?? createSession(lesson as string, { move: options.move }));
    starting = false;
    // No sandbox to join soon (a line to wait in, a start waiting for its slot, an error): the
    // connection prepared for it is closed until there is one. A sandbox already starting keeps it
    // (the engine waits 45 s for a join).
    if (!('data' in result) && !('starting' in result && result.starting.position === 0)) transport.disconnect();
    if ('starting' in result) {
      // The sandbox starts in the background: ask again at once (the server holds each ask until it is up).
      waitingFor = 'start';
      banner.setState('starting');
      const text = startPlaceText(result.starting);
      if (result.starting.position === 0) overlay.starting(text);
      else overlay.waiting(text);
      queueTimer = window.setTimeout(() => void startSession({ quiet: true }), result.starting.pollMs);
      return;
    }
    if ('queued' in result) {
      // All sandboxes are in use: keep the place by asking again; it starts by itself.
      waitingFor = 'line';
      const { position, capacity, pollMs } = result.queued;
      banner.setState('waiting');
      overlay.waiting(
        `Every sandbox on this server is in use (${capacity} of ${capacity}). You are number ${position} in the queue: ` +
          `your sandbox starts by itself when one frees up. Keep this page open (waiting…); you can read the lesson meanwhile.`,
      );
      queueTimer = window.setTimeout(() => void startSession({ quiet: true }), pollMs);
      return;
    }
    if ('error' in result) {
      const held = result.error.lesson;
      if (result.error.code === 'holds-other-lesson' && held) {
        waitingFor = undefined;
        transport.disconnect();
        banner.setState('stopped');
        overlay.choice(result.error.message, [
          { label: 'Move my sandbox here', run: () => void startSession({ move: true }) },
          { label: `Back to “${held.title}”`, href: `/lessons/${held.slug}/` },
        ]);
        return;
      }
      if (result.error.code === 'rate-limited' && options.quiet) {
        // Asked too often from a busy network address while waiting: keep the place, ask a little later.
        queueTimer = window.setTimeout(() => void startSession({ quiet: true }), Math.max(2000, result.error.retryAfterMs ?? 5000));
        return;
      }
      waitingFor = undefined;
      showError(result.error.message);
      return;
    }
    waitingFor = undefined;
    markOnce('dockyard:session-ready');
    const info = result.data;
    if (info.movedFrom) toasts.show(`Your sandbox of “${info.movedFrom.title}” was ended: a learner holds one sandbox at a time.`);
    endButton.hidden = false;
    if (sessionId !== undefined && info.sessionId !== sessionId) {
      // A different sandbox: its terminals start from nothing, and so do the step results and files.
      transport.resetTerminals();
      deck.reset();
      workspace.reset();
      everAttached = false;
      steps.reset();
      replayBanner.hide();
    }
    if (!info.resumed && info.sessionId !== sessionId) {
      replayOfferFor = info.sessionId;
      // A sandbox after another one on this page: what to bring back may have grown meanwhile.
      if (sessionId !== undefined) void loadProgress();
    }
    sessionId = info.sessionId;
    banner.setInfo(info);
    steps.markPassed(info.passedSteps);
    passedSteps(info.passedSteps);
    if (!everAttached) overlay.starting(info.resumed ? 'Reconnecting to your sandbox…' : 'Connecting to your sandbox…');
    transport.connect();
  }

  endButton.addEventListener('click', () => void endSandbox());

  /** "End sandbox": gives it back at once, for the next learner. */
  async function endSandbox(): Promise<void> {
    endButton.hidden = true;
    const result = await endSession(lesson as string);
    if ('error' in result && result.error.code !== 'no-session') {
      endButton.hidden = false;
      toasts.show(`Could not end the sandbox: ${result.error.message}`);
      return;
    }
    showEnded('You ended your sandbox. Everything in it is gone; a new one starts from the beginning of this lesson.');
  }

  // Closing the page leaves the waiting line, and takes a start that has not begun out of line.
  window.addEventListener('pagehide', () => {
    if (waitingFor) leaveQueue();
  });

  function showError(message: string): void {
    endButton.hidden = true;
    transport.disconnect();
    workspace.disconnected();
    banner.setState('error');
    overlay.error(message, () => void startSession());
  }

  function showEnded(message: string): void {
    endButton.hidden = true;
    transport.disconnect();
    workspace.disconnected();
    banner.setState('stopped');
    overlay.ended(message, () => void startSession());
  }

  // A prerendered page asks for its sandbox when the click shows it, never before.
  whenShown(() => {
    transport.prepare();
    void startSession({ early: true });
  });
}

const root = document.querySelector<HTMLElement>('[data-lesson]');
if (root) mountLessonPage(root);
