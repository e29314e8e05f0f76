import { describe, expect, it } from 'vitest';
import { CheckShellReplyParser, CHECK_SHELL_MAX_COMMAND_BYTES, encodeKillRequest, encodeRunRequest, type CheckShellReply } from './check-shell-protocol.js';

const done = (id: number, exitCode: number, stdout: Buffer | string, stderr: Buffer | string) =>
  Buffer.concat([Buffer.from(`D ${id} ${exitCode} ${Buffer.byteLength(stdout)} ${Buffer.byteLength(stderr)}\n`), Buffer.from(stdout), Buffer.from(stderr), Buffer.from('\n')]);

/** Feeds `bytes` in chunks of `size`, collecting every reply and the first error. */
function parse(bytes: Buffer, size = bytes.length, parser = new CheckShellReplyParser(1024)) {
  const replies: CheckShellReply[] = [];
  let error: Error | undefined;
  for (let at = 0; at < bytes.length; at += size) {
    const result = parser.push(bytes.subarray(at, at + size));
    replies.push(...result.replies);
    error ??= result.error;
  }
  return { replies, error, parser };
}

describe('check shell requests', () => {
  it('frames a command as hex on one line, whatever it holds', () => {
    const command = "printf 'a\\nb' | grep -c 'b'\nexit 3\n é";
    const line = encodeRunRequest(7, 12, command);
    expect(line).toMatch(/^R 7 12 [0-9a-f]+\n$/);
    expect(Buffer.from(line.trim().split(' ')[3]!, 'hex').toString('utf8')).toBe(command);
    expect(encodeKillRequest(7)).toBe('K 7\n');
  });

  it('refuses what bash could not be given and ids or deadlines out of range', () => {
    expect(() => encodeRunRequest(1, 10, 'echo a\0b')).toThrow(/NUL/);
    expect(() => encodeRunRequest(1, 10, 'x'.repeat(CHECK_SHELL_MAX_COMMAND_BYTES + 1))).toThrow(/longer than/);
    expect(() => encodeRunRequest(-1, 10, 'true')).toThrow(RangeError);
    expect(() => encodeRunRequest(1.5, 10, 'true')).toThrow(RangeError);
    expect(() => encodeRunRequest(1, 0, 'true')).toThrow(RangeError);
    expect(() => encodeRunRequest(1, Number.NaN, 'true')).toThrow(RangeError);
    expect(() => encodeKillRequest(Number.MAX_SAFE_INTEGER + 1)).toThrow(RangeError);
  });
});

describe('check shell replies', () => {
  it('parses started, failed and done frames, with binary output and trailing newlines kept', () => {
    const binary = Buffer.from([0, 1, 0xff, 0x0a, 0x0a]);
    const bytes = Buffer.concat([Buffer.from('S 1\nS 2\n'), done(1, 3, 'hi\n\n', 'oops\n'), Buffer.from('F 3\nO 4 8388609\n'), done(2, 0, binary, '')]);
    for (const size of [1, 3, 7, bytes.length]) {
      const { replies, error, parser } = parse(bytes, size);
      expect(error).toBeUndefined();
      expect(parser.idle).toBe(true);
      expect(replies).toEqual([
        { kind: 'started', id: 1 },
        { kind: 'started', id: 2 },
        { kind: 'done', id: 1, exitCode: 3, stdout: Buffer.from('hi\n\n'), stderr: Buffer.from('oops\n') },
        { kind: 'failed', id: 3 },
        { kind: 'flooded', id: 4, bytes: 8388609 },
        { kind: 'done', id: 2, exitCode: 0, stdout: binary, stderr: Buffer.alloc(0) },
      ]);
    }
  });

  it('waits for the rest of a frame split anywhere', () => {
    const parser = new CheckShellReplyParser(1024);
    expect(parser.push(Buffer.from('D 4 0 5 0\nabc'))).toEqual({ replies: [] });
    expect(parser.idle).toBe(false);
    expect(parser.push(Buffer.from('de\n')).replies).toEqual([{ kind: 'done', id: 4, exitCode: 0, stdout: Buffer.from('abcde'), stderr: Buffer.alloc(0) }]);
  });

  it.each([
    ['an unknown kind', 'X 1\n'],
    ['garbage', 'hello world\n'],
    ['a header without its id', 'S\n'],
    ['a negative id', 'S -1\n'],
    ['a leading zero', 'S 01\n'],
    ['an id past 15 digits', 'S 1234567890123456\n'],
    ['extra fields', 'S 1 2\n'],
    ['a carriage return', 'S 1\r\n'],
    ['a tab for a space', 'S\t1\n'],
    ['an exit code above 255', 'D 1 256 0 0\n\n'],
    ['an exit code with a sign', 'D 1 -1 0 0\n\n'],
    ['a missing size', 'D 1 0 0\n\n'],
    ['a flood without its size', 'O 1\n'],
    ['a body that does not end where its sizes say', 'D 1 0 2 0\nabc\n'],
    ['a header that never ends', 'S '.repeat(40)],
    ['non-ASCII in a header', 'S 1\u00a0\n'],
  ])('breaks on %s, for good', (_name, text) => {
    const { error, replies, parser } = parse(Buffer.from(text, 'utf8'));
    expect(error?.name).toBe('CheckShellProtocolError');
    expect(replies).toEqual([]);
    // Everything after is refused too: a broken stream is never read again.
    expect(parser.push(Buffer.from('S 2\n')).error).toBe(error);
  });

  it('refuses an output bigger than what is kept, before buffering it', () => {
    const { error } = parse(Buffer.from('D 1 0 1025 0\n'));
    expect(error?.message).toMatch(/1025 bytes, more than the 1024 kept/);
    expect(parse(Buffer.from('D 1 0 0 9999999999\n')).error?.message).toMatch(/more than the 1024 kept/);
  });

  it('keeps the replies that came before a bad frame in the same chunk', () => {
    const { replies, error } = parse(Buffer.concat([Buffer.from('S 1\n'), done(1, 0, 'ok', ''), Buffer.from('junk\n')]));
    expect(replies.map((reply) => reply.kind)).toEqual(['started', 'done']);
    expect(error).toBeDefined();
  });

  it('buffers at most one frame: a flood of valid-looking frames costs no more memory than one', () => {
    const parser = new CheckShellReplyParser(1024);
    const frame = done(1, 0, 'x'.repeat(1024), 'y'.repeat(1024));
    for (let i = 0; i < 1000; i += 1) expect(parser.push(frame).replies).toHaveLength(1);
    expect(parser.idle).toBe(true);
  });
});
