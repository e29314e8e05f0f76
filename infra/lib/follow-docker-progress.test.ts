import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DockerProgressError, followDockerProgress, type DockerProgressEvent } from './follow-docker-progress.js';

function follow(chunks: (string | Buffer)[], maxLineChars?: number) {
  const stream = new PassThrough();
  const seen: DockerProgressEvent[] = [];
  const done = followDockerProgress(stream, (event) => seen.push(event), maxLineChars);
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return { done, seen };
}

describe('followDockerProgress', () => {
  it('hands over every message, also one split across chunks (and inside a UTF-8 character)', async () => {
    const euro = Buffer.from('{"stream":"€"}\n');
    const { done, seen } = follow([
      '{"stream":"Step 1/2 : FROM x"}\r\n{"str',
      'eam":"\\n"}\r\n',
      '\n{"aux":{"ID":"sha256:abc"}}\r\n',
      euro.subarray(0, 12),
      euro.subarray(12),
    ]);
    await done;
    expect(seen).toEqual([{ stream: 'Step 1/2 : FROM x' }, { stream: '\n' }, { aux: { ID: 'sha256:abc' } }, { stream: '€' }]);
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
    const done = followDockerProgress(stream, () => {
      throw new Error('handler failed');
    });
    stream.end('{"status":"Pushed","id":"0123456789ab"}\n');
    await expect(done).rejects.toThrow('handler failed');
  });

  it('rejects a stream of garbage with a clear error, reads on to its end, and throws nothing out of the stream', async () => {
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      const { done, seen } = follow(['{"stream":"fine\\n"}\n', 'garbage {not json\n', '{"aux":{"ID":"sha256:after"}}\n', '\x00\xff\n']);
      await expect(done).rejects.toThrow(/^Docker sent a progress line that is not JSON \(.*\): "garbage \{not json"$/);
      // Nothing after the bad line is taken for a result.
      expect(seen).toEqual([{ stream: 'fine\n' }]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
    }
  });

  it('rejects a line that never ends past the bound instead of buffering it', async () => {
    const stream = new PassThrough();
    const done = followDockerProgress(stream, () => undefined, 1000);
    for (let i = 0; i < 100; i++) stream.write('x'.repeat(100));
    stream.end('\n');
    await expect(done).rejects.toThrow(/progress line longer than 1000 characters: "x{200}…"/);
  });

  it('rejects with the stream error itself', async () => {
    const stream = new PassThrough();
    const done = followDockerProgress(stream);
    stream.destroy(new Error('socket hang up'));
    await expect(done).rejects.toThrow('socket hang up');
  });
});
