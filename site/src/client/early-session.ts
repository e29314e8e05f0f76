import { LEARNER_HEADER, type StartSessionResult } from '../../../sandbox-engine/src/contracts/session.js';
import { KEY_PATTERN, STORAGE_KEY } from './learner-key.ts';
import { readStartAnswer } from './session-api.ts';

/** Where the inline script leaves its request for the page's module. */
export const EARLY_SESSION_GLOBAL = '__dockyardEarlySession';

/** What the inline script leaves: the lesson asked for and the answer (undefined: the network failed). */
export interface EarlySession {
  lesson: string;
  answer: Promise<{ status: number; body: unknown } | undefined>;
}

/**
 * The lesson page's first script, inline in its <head>: it asks for the learner's sandbox
 * (POST /api/sessions, as session-api.ts does) while the page's modules, styles and terminal still
 * load, so the answer is there when the page can use it. It reads only the learner key this
 * browser already holds (none yet: the module asks as before) and the lesson from the address; a
 * prerendered page (prerender.ts) asks when the click shows it. Its text is the same on every
 * lesson page, so a Content-Security-Policy needs one hash for it.
 */
export const earlySessionScript = `(function () {
  var doc = window.document;
  // A prerendered page (prerender.ts) asks once the click shows it: its module waits for the same event, registered after this one.
  if (doc && doc.prerendering) doc.addEventListener('prerenderingchange', ask, { once: true });
  else ask();
  function ask() { try {
    var lesson = /^\\/lessons\\/([a-z0-9-]+)\\/?(?:index\\.html)?$/.exec(location.pathname);
    var key = window.localStorage.getItem(${JSON.stringify(STORAGE_KEY)});
    if (!lesson || !key || !${KEY_PATTERN.toString()}.test(key)) return;
    var headers = { 'content-type': 'application/json', accept: 'application/json' };
    headers[${JSON.stringify(LEARNER_HEADER)}] = key;
    var request = fetch('/api/sessions', { method: 'POST', credentials: 'same-origin', headers: headers, body: JSON.stringify({ lesson: lesson[1], move: false }) });
    window[${JSON.stringify(EARLY_SESSION_GLOBAL)}] = {
      lesson: lesson[1],
      answer: request.then(function (response) {
        return response.json().then(
          function (body) { return { status: response.status, body: body }; },
          function () { return { status: response.status, body: undefined }; }
        );
      }, function () { return undefined; })
    };
  } catch (error) {
    // No storage, no fetch: the page's module asks by itself.
  } }
})();`;

/**
 * The answer to the inline script's request, once, if it asked for this lesson: the page's first
 * ask. Undefined when it did not ask (the page then asks itself).
 */
export function takeEarlySession(lesson: string, scope: Record<string, unknown> = window as unknown as Record<string, unknown>): Promise<StartSessionResult> | undefined {
  const early = scope[EARLY_SESSION_GLOBAL] as EarlySession | undefined;
  delete scope[EARLY_SESSION_GLOBAL];
  if (!early || early.lesson !== lesson || typeof early.answer?.then !== 'function') return undefined;
  return early.answer.then((answer) => readStartAnswer(answer?.status, answer?.body));
}
