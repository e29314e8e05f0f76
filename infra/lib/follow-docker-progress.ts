import type Docker from 'dockerode';
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
 * Reads a progress stream to its end (docker.modem.followProgress), handing each message, checked
 * with zod, to `onEvent`. Rejects when the engine reports an error in the stream (after the stream
 * ends, so `onEvent` saw everything before it), when a message has an unexpected shape, or when
 * `onEvent` throws. A stream that ends early resolves: callers check for their result message.
 */
export function followDockerProgress(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onEvent: (event: DockerProgressEvent) => void = () => undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    docker.modem.followProgress(
      stream,
      (error: Error | null) => {
        if (error) reject(error);
        else if (failure) reject(failure);
        else resolve();
      },
      (raw: unknown) => {
        if (failure) return;
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
      },
    );
  });
}
