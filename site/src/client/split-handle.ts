/** The lesson column's share of the page width, in percent: its bounds and default (text 1 : sandbox 1.1). */
export const SPLIT_MIN = 25;
export const SPLIT_MAX = 75;
export const SPLIT_DEFAULT = 48;
const STEP = 2;
const BIG_STEP = 10;
const STORAGE_KEY = 'dockyard:lesson-width';

export function clampSplit(percent: number): number {
  return Math.round(Math.min(SPLIT_MAX, Math.max(SPLIT_MIN, percent)));
}

/** The share a key gives (ArrowLeft/Right by 2, with Shift by 10, Home, End), or undefined for other keys. */
export function splitForKey(current: number, key: string, shiftKey = false): number | undefined {
  const step = shiftKey ? BIG_STEP : STEP;
  if (key === 'ArrowLeft') return clampSplit(current - step);
  if (key === 'ArrowRight') return clampSplit(current + step);
  if (key === 'Home') return SPLIT_MIN;
  if (key === 'End') return SPLIT_MAX;
  return undefined;
}

/** A stored share, or the default when there is none or it is not a number in range. */
export function parseStoredSplit(value: string | null | undefined): number {
  const number = Number(value);
  return value && Number.isFinite(number) ? clampSplit(number) : SPLIT_DEFAULT;
}

/**
 * The separator between the lesson text and the sandbox: dragged with a pointer, or focused and
 * moved with the arrow keys (role="separator" with aria-valuenow, the window-splitter pattern).
 * It sets --lesson-width on the layout and remembers it in localStorage; the terminal refits
 * itself when its host changes size.
 */
export class SplitHandle {
  #value = SPLIT_DEFAULT;

  constructor(
    readonly handle: HTMLElement,
    readonly layout: HTMLElement,
  ) {
    this.#set(parseStoredSplit(storage()?.getItem(STORAGE_KEY)), false);
    handle.addEventListener('keydown', (event) => {
      const next = splitForKey(this.#value, event.key, event.shiftKey);
      if (next === undefined) return;
      event.preventDefault();
      this.#set(next, true);
    });
    handle.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      handle.setPointerCapture(event.pointerId);
      handle.dataset.dragging = 'true';
      handle.focus({ preventScroll: true });
    });
    handle.addEventListener('pointermove', (event) => {
      if (!handle.hasPointerCapture(event.pointerId)) return;
      const box = layout.getBoundingClientRect();
      if (box.width > 0) this.#set(clampSplit(((event.clientX - box.left) / box.width) * 100), false);
    });
    const stop = (event: PointerEvent) => {
      if (!handle.hasPointerCapture(event.pointerId)) return;
      handle.releasePointerCapture(event.pointerId);
      delete handle.dataset.dragging;
      this.#set(this.#value, true);
    };
    handle.addEventListener('pointerup', stop);
    handle.addEventListener('pointercancel', stop);
  }

  get value(): number {
    return this.#value;
  }

  #set(value: number, save: boolean): void {
    this.#value = value;
    this.layout.style.setProperty('--lesson-width', `${value}%`);
    this.handle.setAttribute('aria-valuenow', String(value));
    this.handle.setAttribute('aria-valuetext', `Lesson ${value}%, sandbox ${100 - value}% of the width`);
    if (!save) return;
    try {
      storage()?.setItem(STORAGE_KEY, String(value));
    } catch {
      // Storage full or refused: the width holds until the page is left.
    }
  }
}

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
