import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Response } from 'express';

/**
 * Sends `head` as a JSON object with one more array property, `key`, whose items come page by page
 * from `pages`: the answer never sits whole in memory, and the event loop serves other requests
 * and terminals between pages (an export of a long history never holds the engine). Waits while
 * the client reads slowly; stops reading pages when it goes away.
 *
 * Resolves true when the whole body was sent. After the first byte an error can no longer become an
 * error answer: the response is cut off (the client gets invalid JSON, never a silently short list)
 * and the error is handed to `onError`.
 */
export async function sendJsonWithPages(
  res: Response,
  head: Record<string, unknown>,
  key: string,
  pages: AsyncIterable<readonly unknown[]>,
  onError: (error: unknown) => void,
): Promise<boolean> {
  const opening = JSON.stringify(head);
  if (!opening.startsWith('{') || key in head) throw new Error('sendJsonWithPages: head must be an object without the paged key');
  res.setHeader('content-type', 'application/json; charset=utf-8');
  const gone = () => res.destroyed || res.writableEnded;
  const write = async (chunk: string) => {
    if (!res.write(chunk) && !gone()) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  };
  try {
    await write(`${opening === '{}' ? '{' : `${opening.slice(0, -1)},`}${JSON.stringify(key)}:[`);
    let first = true;
    for await (const page of pages) {
      if (gone()) return false;
      if (page.length > 0) {
        await write(`${first ? '' : ','}${page.map((item) => JSON.stringify(item)).join(',')}`);
        first = false;
      }
      await nextTurn();
    }
    if (gone()) return false;
    res.end(']}');
    return true;
  } catch (error) {
    onError(error);
    res.destroy();
    return false;
  }
}
