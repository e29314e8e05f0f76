import { LEARNER_HEADER } from '../../../sandbox-engine/src/contracts/session.js';

/** Where the site keeps the key (the lesson page's early session request reads it too: early-session.ts). */
export const STORAGE_KEY = 'dockyard.learner';
export const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

let memoryKey: string | undefined;

/**
 * This browser's learner key: made once, kept in the site's own localStorage (shared by its tabs,
 * out of reach of every other origin, the port previews among them), sent with each API call and
 * in the socket handshake. Where storage is blocked, the key lasts as long as the page.
 */
export function learnerKey(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined = safeLocalStorage()): string {
  const stored = read(storage);
  if (stored) return stored;
  const key = memoryKey ?? newKey();
  try {
    storage?.setItem(STORAGE_KEY, key);
  } catch {
    // Storage full or blocked: the in-memory key still works for this page.
  }
  memoryKey = key;
  return key;
}

/** Headers for the engine's API: the learner key. */
export function learnerHeaders(): Record<string, string> {
  return { [LEARNER_HEADER]: learnerKey() };
}

function read(storage: Pick<Storage, 'getItem'> | undefined): string | undefined {
  try {
    const value = storage?.getItem(STORAGE_KEY);
    return value && KEY_PATTERN.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function safeLocalStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
