import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { copyText } from './clipboard.ts';
import { markOnce } from './page-timings.ts';
import { isPrerendering } from './prerender.ts';

export interface TerminalSize {
  cols: number;
  rows: number;
}

/** A dark palette with readable contrast for every ANSI colour on its background. */
export const theme: ITheme = {
  background: '#0d1117',
  foreground: '#e6edf3',
  cursor: '#79c0ff',
  cursorAccent: '#0d1117',
  selectionBackground: '#2f5f9a',
  selectionForeground: '#ffffff',
  black: '#484f58',
  red: '#ff7b72',
  green: '#3fb950',
  yellow: '#d29922',
  blue: '#58a6ff',
  magenta: '#bc8cff',
  cyan: '#39c5cf',
  white: '#b1bac4',
  brightBlack: '#6e7681',
  brightRed: '#ffa198',
  brightGreen: '#56d364',
  brightYellow: '#e3b341',
  brightBlue: '#79c0ff',
  brightMagenta: '#d2a8ff',
  brightCyan: '#56d4dd',
  brightWhite: '#f0f6fc',
};

/** How long an Escape waits for a Tab (Escape then Tab leaves the terminal) before the shell gets it. */
const ESCAPE_WAIT_MS = 1000;

/**
 * The lesson terminal: xterm.js (DOM renderer, screen-reader mode) fitted to its host element.
 * It knows nothing about sockets: input and size changes go out through callbacks.
 */
export class LessonTerminal {
  readonly #terminal: Terminal;
  readonly #fit = new FitAddon();
  readonly #observer: ResizeObserver;
  #frame = 0;
  /** The next fit scrolls to the prompt (the terminal was at its bottom before its size changed). */
  #toBottom = false;
  /** An Escape held back while it waits for a Tab. */
  #escapeTimer: number | undefined;

  /** `describedBy`: the id of the text that says how to leave the terminal from the keyboard. */
  constructor(host: HTMLElement, describedBy?: string) {
    this.#terminal = new Terminal({
      screenReaderMode: true,
      fontSize: 14,
      lineHeight: 1.2,
      fontFamily: '"DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, ui-monospace, monospace',
      scrollback: 5000,
      cursorBlink: true,
      theme,
    });
    this.#terminal.loadAddon(this.#fit);
    this.#terminal.open(host);
    this.#terminal.attachCustomKeyEventHandler((event) => this.#handleKey(event));
    if (describedBy) this.#terminal.textarea?.setAttribute('aria-describedby', describedBy);
    this.#terminal.textarea?.addEventListener('blur', () => this.#sendHeldEscape());
    // A host that grows makes the browser clamp xterm's scroll position, which xterm reads as the
    // learner scrolling up: a terminal at its prompt before a resize is put back at it.
    this.#observer = new ResizeObserver(() => this.fit(this.atBottom));
    this.#observer.observe(host);
    this.fit();
  }

  /** True when the prompt's end of the output is on screen (the learner has not scrolled up). */
  get atBottom(): boolean {
    const buffer = this.#terminal.buffer.active;
    return buffer.viewportY >= buffer.baseY;
  }

  get size(): TerminalSize {
    return { cols: Math.max(2, this.#terminal.cols), rows: Math.max(1, this.#terminal.rows) };
  }

  onInput(listener: (data: string) => void): void {
    this.#terminal.onData(listener);
  }

  onResize(listener: (size: TerminalSize) => void): void {
    this.#terminal.onResize(({ cols, rows }) => listener({ cols, rows }));
  }

  /** Writes output; `written` runs once xterm has processed it (flow control acknowledges it). */
  write(data: string, written?: () => void): void {
    this.#terminal.write(data, written);
  }

  /** Clears screen and scrollback, for a new sandbox. */
  reset(): void {
    this.#terminal.reset();
  }

  focus(): void {
    this.#terminal.focus();
  }

  /**
   * Refits on the next frame (coalesces bursts of resize notifications); `toBottom` then scrolls
   * to the prompt, e.g. when the terminal is shown again. A hidden terminal keeps both for later.
   */
  fit(toBottom = false): void {
    this.#toBottom ||= toBottom;
    cancelAnimationFrame(this.#frame);
    // A prerendered page runs no animation frames until the click shows it, and the first fit then
    // forces the whole page's first layout into that frame (~100 ms here): while prerendering, fit
    // at once, in the background, so the click finds the layout done.
    if (isPrerendering()) this.#fitNow();
    else this.#frame = requestAnimationFrame(() => this.#fitNow());
  }

  #fitNow(): void {
    const host = this.#terminal.element?.parentElement;
    if (!host || host.clientWidth === 0 || host.clientHeight === 0) return;
    this.#fit.fit();
    markOnce('dockyard:terminal-fitted');
    if (this.#toBottom) this.#terminal.scrollToBottom();
    this.#toBottom = false;
  }

  dispose(): void {
    cancelAnimationFrame(this.#frame);
    window.clearTimeout(this.#escapeTimer);
    this.#observer.disconnect();
    this.#terminal.dispose();
  }

  /**
   * Copy: Ctrl+Shift+C, or Ctrl+C while text is selected (otherwise Ctrl+C reaches the shell).
   * Paste: Ctrl+V and Ctrl+Shift+V are left to the browser, whose paste event xterm handles.
   * Returning false keeps xterm from turning the key into terminal input.
   */
  #handleKey(event: KeyboardEvent): boolean {
    if (event.type === 'keydown' && this.#escapeThenTab(event) === false) return false;
    if (!event.ctrlKey || event.altKey || event.metaKey) return true;
    const key = event.key.toLowerCase();
    if (key === 'v') return false;
    if (key === 'c' && (event.shiftKey || this.#terminal.hasSelection())) {
      if (event.type === 'keydown') {
        event.preventDefault();
        const selection = this.#terminal.getSelection();
        if (selection) void copyText(selection);
        if (!event.shiftKey) this.#terminal.clearSelection();
      }
      return false;
    }
    return true;
  }

  /**
   * Leaving the terminal from the keyboard: xterm keeps Tab for the shell's completion, so Escape
   * then Tab (or Shift+Tab) moves the focus on, as the hint under the terminal says. The Escape is
   * held back a moment for that Tab: when the Tab comes, neither key reaches the shell (whose line
   * editor would read a pending Escape as Meta on the next key, even on a Run); any other key, the
   * end of the wait, or the focus leaving sends the Escape first. False: xterm ignores the key.
   */
  #escapeThenTab(event: KeyboardEvent): false | undefined {
    if (event.key === 'Shift' || event.key === 'Control' || event.key === 'Alt' || event.key === 'Meta' || event.isComposing) return undefined;
    const modified = event.ctrlKey || event.altKey || event.metaKey;
    if (this.#escapeTimer !== undefined && event.key === 'Tab' && !modified) {
      window.clearTimeout(this.#escapeTimer);
      this.#escapeTimer = undefined;
      return false; // not prevented: the browser moves the focus
    }
    this.#sendHeldEscape();
    if (event.key !== 'Escape' || modified || event.shiftKey) return undefined;
    event.preventDefault();
    this.#escapeTimer = window.setTimeout(() => this.#sendHeldEscape(), ESCAPE_WAIT_MS);
    return false;
  }

  #sendHeldEscape(): void {
    if (this.#escapeTimer === undefined) return;
    window.clearTimeout(this.#escapeTimer);
    this.#escapeTimer = undefined;
    this.#terminal.input('\x1b', true);
  }
}
