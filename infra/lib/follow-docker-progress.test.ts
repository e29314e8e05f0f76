import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { DockerProgressError, followDockerProgress, type DockerProgressEvent } from './follow-docker-progress.js';

// The modem's stream parser only: no request is made.
const docker = new Docker({ socketPath: '/nonexistent/docker.sock' });

function follow(chunks: string[]) {
  const stream = new PassThrough();
  const seen: DockerProgressEvent[] = [];
  const done = followDockerProgress(docker, stream, (event) => seen.push(event));
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return { done, seen };
}

describe('followDockerProgress', () => {
  it('hands over every message, also one split across chunks', async () => {
    const { done, seen } = follow(['{"stream":"Step 1/2 : FROM x"}\r\n{"str', 'eam":"\\n"}\r\n', '{"aux":{"ID":"sha256:abc"}}\r\n']);
    await done;
    expect(seen).toEqual([{ stream: 'Step 1/2 : FROM x' }, { stream: '\n' }, { aux: { ID: 'sha256:abc' } }]);
  });

  it("rejects with the engine's message once the stream ends, after handing over what came before", async () => {
    const { done, seen } = follow([
      '{"stream":"output-before\\n"}\n',
      '{"errorDetail":{"code":3,"message":"The command \'/bin/sh -c exit 3\' returned a non-zero code: 3"},"error":"x"}\n',
    ]);
    const error = await done.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DockerProgressError);
    expect((error as DockerProgressError).engineMessage).toBe("The command '/bin/sh -c exit 3' returned a non-zero code: 3");
    expect(seen).toEqual([{ stream: 'output-before\n' }]);
  });

  it('rejects a message of an unexpected shape, and an error thrown by the handler', async () => {
    await expect(follow(['{"stream":42}\n']).done).rejects.toThrow(/unexpected progress message .*"stream":42/);
    const stream = new PassThrough();
    const done = followDockerProgress(docker, stream, () => {
      throw new Error('handler failed');
    });
    stream.end('{"status":"Pushed","id":"0123456789ab"}\n');
    await expect(done).rejects.toThrow('handler failed');
  });
});
