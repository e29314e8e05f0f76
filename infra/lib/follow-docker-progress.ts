import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';

/**
 * One message of a Docker Engine progress stream (build, import, push, pull): newline-separated
 * JSON. Only the fields infra reads; Docker adds others over time.
 */
export const dockerProgressEventSchema = z.object({
  stream: z.string().optional().describe('Build output text (not split into lines)'),
  status: z.string().optional().describe('Push/pull/import status, e.g. "Pushed" or the imported image id'),
  id: z.string().optional().describe('The layer (push, pull) the status is about'),
  aux: z
    .object({ ID: z.string().optional(), Tag: z.string().optional(), Digest: z.string().optional() })
    .optional()
    .describe('Results: the built image id (build), the pushed digest (push)'),
  error: z.string().optional(),
  errorDetail: z.object({ code: z.number().optional(), message: z.string().optional() }).optional(),
});
export type DockerProgressEvent = z.infer<typeof dockerProgressEventSchema>;

/** An error the engine reported inside a progress stream (the HTTP answer itself was 200). */
export class DockerProgressError extends Error {
  constructor(readonly engineMessage: string) {
    super(engineMessage);
    this.name = 'DockerProgressError';
  }
}

/**
 * The longest line taken (a build's output comes in messages of a few KiB): past it the stream
 * fails instead of its buffer growing without end.
 */
export const MAX_PROGRESS_LINE_CHARS = 8 * 1024 * 1024;

/** A shortened view of what Docker sent, for an error message. */
const excerpt = (text: string) => JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);

/**
 * Reads a progress stream to its end, handing each message, checked with zod, to `onEvent`.
 * Rejects when the engine reports an error in the stream (after the stream ends, so `onEvent` saw
 * everything before it), when a line is not JSON or longer than `MAX_PROGRESS_LINE_CHARS`, when a
 * message has an unexpected shape, or when `onEvent` throws; nothing after the first failure is
 * read. A stream that ends early resolves: callers check for their result message. (dockerode's
 * `modem.followProgress` would throw a line that is not JSON out of the stream's data event, an
 * uncaught exception, and buffers a line without end.)
 */
export function followDockerProgress(
  stream: NodeJS.ReadableStream,
  onEvent: (event: DockerProgressEvent) => void = () => undefined,
  maxLineChars = MAX_PROGRESS_LINE_CHARS,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let buffered = '';
    let failure: Error | undefined;
    let finished = false;

    const take = (line: string) => {
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.length === 0) return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (error) {
        failure = new Error(`Docker sent a progress line that is not JSON (${(error as Error).message}): ${excerpt(line)}`);
        return;
      }
      const parsed = dockerProgressEventSchema.safeParse(raw);
      if (!parsed.success) {
        failure = new Error(`Docker sent an unexpected progress message (${parsed.error.issues[0]?.message}): ${JSON.stringify(raw).slice(0, 200)}`);
        return;
      }
      const message = parsed.data.errorDetail?.message ?? parsed.data.error;
      if (message !== undefined) {
        failure = new DockerProgressError(message);
        return;
      }
      try {
        onEvent(parsed.data);
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
    };

    const onData = (chunk: Buffer | string) => {
      if (failure) return;
      buffered += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      let newline: number;
      while (!failure && (newline = buffered.indexOf('\n')) >= 0) {
        take(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
      if (failure) buffered = '';
      else if (buffered.length > maxLineChars) {
        failure = new Error(`Docker sent a progress line longer than ${maxLineChars} characters: ${excerpt(buffered)}`);
        buffered = '';
      }
    };
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      stream.removeListener('data', onData);
      if (error) reject(error);
      else if (failure) reject(failure);
      else resolve();
    };
    stream.on('data', onData);
    stream.on('error', (error: Error) => finish(error));
    stream.on('end', () => finish());
    stream.on('close', () => finish());
  });
}
