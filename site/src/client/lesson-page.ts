import { LessonTerminal } from './terminal.ts';
import { LessonTransport } from './transport.ts';
import { createSession } from './session-api.ts';
import { StepsView } from './steps.ts';
import { SessionBanner } from './session-banner.ts';
import { TerminalOverlay } from './terminal-overlay.ts';
import { Toasts } from './toasts.ts';
import { wireCodeBlocks } from './code-blocks.ts';
import { debounce } from './debounce.ts';

/**
 * Wiring of a lesson page: builds each piece and connects them. The flow is
 * POST /api/sessions → socket.io connect → terminal:attach (and again on every reconnect).
 */
function mountLessonPage(root: HTMLElement): void {
  const lesson = root.dataset.lesson;
  if (!lesson) throw new Error('lesson page without data-lesson');
  const find = <T extends HTMLElement>(selector: string): T => {
    const element = root.querySelector<T>(selector);
    if (!element) throw new Error(`lesson page is missing ${selector}`);
    return element;
  };

  const terminal = new LessonTerminal(find('[data-terminal]'));
  const overlay = new TerminalOverlay(find('[data-terminal-overlay]'));
  const toasts = new Toasts(find('[data-toasts]'));
  let sessionId: string | undefined;
  let everAttached = false;
  let starting = false;

  const transport = new LessonTransport(lesson, () => terminal.size, {
    output: (data) => terminal.write(data),
    attached: () => {
      everAttached = true;
      overlay.hide();
      banner.setState('ready');
      terminal.fit();
    },
    attachFailed: (error) => {
      if (error.code === 'no-session') showEnded('Your sandbox is no longer running.');
      else showError(error.message);
    },
    reconnecting: () => {
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
    },
    expiring: (event) => banner.warn(event),
    ended: (event) => showEnded(event.message),
    stepResult: (result) => steps.showResult(result),
    errorMessage: (event) => {
      console.warn(`[dockyard] ${event.event}: ${event.message}`);
      toasts.show(event.message);
    },
  });

  const banner = new SessionBanner(
    {
      state: find('[data-session-state]'),
      dot: find('[data-session-dot]'),
      countdown: find('[data-session-countdown]'),
      banner: find('[data-session-banner]'),
    },
    () => transport.keepalive(),
  );
  const steps = new StepsView(root, (stepId) => transport.check(stepId));

  terminal.onInput((data) => transport.sendInput(data));
  terminal.onResize(debounce((size) => transport.resize(size), 150));
  wireCodeBlocks(find('.lesson'), (input) => transport.sendInput(input));

  async function startSession(): Promise<void> {
    if (starting) return;
    starting = true;
    overlay.starting();
    banner.setState('starting');
    const result = await createSession(lesson as string);
    starting = false;
    if ('error' in result) {
      showError(result.error.message);
      return;
    }
    const info = result.data;
    if (sessionId !== undefined && info.sessionId !== sessionId) {
      // A different sandbox: its terminal starts from nothing, and so do the step results.
      transport.resetTerminal();
      terminal.reset();
      everAttached = false;
      steps.reset();
    }
    sessionId = info.sessionId;
    banner.setInfo(info);
    steps.markPassed(info.passedSteps);
    if (!everAttached) overlay.starting(info.resumed ? 'Reconnecting to your sandbox…' : 'Connecting to your sandbox…');
    transport.connect();
  }

  function showError(message: string): void {
    transport.disconnect();
    banner.setState('error');
    overlay.error(message, () => void startSession());
  }

  function showEnded(message: string): void {
    transport.disconnect();
    banner.setState('stopped');
    overlay.ended(message, () => void startSession());
  }

  void startSession();
}

const root = document.querySelector<HTMLElement>('[data-lesson]');
if (root) mountLessonPage(root);
