/**
 * The frames between the engine and the check shell's server in a sandbox (check-shell-server.pl).
 *
 * Requests, one line each (the command in hex, so nothing in it can break the framing):
 *   `R <id> <seconds> <command, hex>`  run it with `bash -c`, killed after <seconds> in any case
 *   `K <id>`                           kill the command's whole process group now
 * Replies, each written whole by the server's one loop:
 *   `S <id>`                           the command started
 *   `D <id> <exit code> <stdout bytes> <stderr bytes>` + LF + stdout + stderr + LF   it ended
 *   `F <id>`                           it could not be started
 *   `O <id> <bytes>`                   it printed more than it may on one output, and was killed
 *
 * The learner is root in the sandbox and can write anything to the server's stdout: the parser
 * accepts only these shapes, within these sizes, and stays broken after the first bad byte.
 */

/** What is kept of each output stream: its last MiB, as a one-off exec keeps. */
export const CHECK_SHELL_MAX_OUTPUT_BYTES = 1024 * 1024;
/** A command printing more than this on one stream is stopped, as a one-off exec stops it (8 times what is kept). */
export const CHECK_SHELL_FLOOD_BYTES = 8 * CHECK_SHELL_MAX_OUTPUT_BYTES;
/** Longer commands would not fit in one argument of `bash -c` (Linux's MAX_ARG_STRLEN) anyway. */
export const CHECK_SHELL_MAX_COMMAND_BYTES = 128 * 1024;
/** A reply header is at most `D <15 digits> <3> <10> <10>`: 43 bytes. */
const MAX_HEADER_BYTES = 64;
/** The server's own deadline is a whole number of seconds, at most this many. */
const MAX_SECONDS = 999_999;

export type CheckShellReply =
  | { kind: 'started'; id: number }
  | { kind: 'failed'; id: number }
  | { kind: 'flooded'; id: number; bytes: number }
  | { kind: 'done'; id: number; exitCode: number; stdout: Buffer; stderr: Buffer };

export class CheckShellProtocolError extends Error {
  override name = 'CheckShellProtocolError';
}

function requireId(id: number): void {
  if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`not a request id: ${id}`);
}

/** `R <id> <seconds> <hex>\n`; throws on a command bash could not be given. */
export function encodeRunRequest(id: number, seconds: number, command: string): string {
  requireId(id);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SECONDS) throw new RangeError(`not a number of seconds from 1 to ${MAX_SECONDS}: ${seconds}`);
  const bytes = Buffer.from(command, 'utf8');
  if (bytes.includes(0)) throw new RangeError('a command cannot contain a NUL byte');
  if (bytes.length > CHECK_SHELL_MAX_COMMAND_BYTES) throw new RangeError(`the command is longer than ${CHECK_SHELL_MAX_COMMAND_BYTES} bytes`);
  return `R ${id} ${seconds} ${bytes.toString('hex')}\n`;
}

/** `K <id>\n`. */
export function encodeKillRequest(id: number): string {
  requireId(id);
  return `K ${id}\n`;
}

const number = '(0|[1-9][0-9]{0,14})';
const shortHeader = new RegExp(`^([SF]) ${number}$`);
const floodHeader = new RegExp(`^O ${number} ${number}$`);
const doneHeader = new RegExp(`^D ${number} (0|[1-9][0-9]{0,2}) (0|[1-9][0-9]{0,9}) (0|[1-9][0-9]{0,9})$`);

interface DoneHeader {
  id: number;
  exitCode: number;
  stdoutBytes: number;
  stderrBytes: number;
}

/** Collects a `D` frame's body (both outputs and the closing LF) without copying it chunk by chunk. */
interface BodyInProgress {
  header: DoneHeader;
  chunks: Buffer[];
  have: number;
  need: number;
}

/** Turns the server's stdout, chunk by chunk, into replies. */
export class CheckShellReplyParser {
  private header = Buffer.alloc(0);
  private body: BodyInProgress | undefined;
  private error: CheckShellProtocolError | undefined;

  constructor(private readonly maxOutputBytes = CHECK_SHELL_MAX_OUTPUT_BYTES) {}

  /** The replies this chunk completes, and the error that stopped parsing (then and for every later chunk). */
  push(chunk: Buffer): { replies: CheckShellReply[]; error?: CheckShellProtocolError } {
    const replies: CheckShellReply[] = [];
    if (this.error) return { replies, error: this.error };
    try {
      let rest = chunk;
      while (rest.length > 0) rest = this.body ? this.takeBody(rest, this.body, replies) : this.takeHeader(rest, replies);
    } catch (error) {
      this.error = error instanceof CheckShellProtocolError ? error : new CheckShellProtocolError(String(error));
      this.body = undefined;
      this.header = Buffer.alloc(0);
      return { replies, error: this.error };
    }
    return { replies };
  }

  /** Whether the parser is between frames (nothing half-read). */
  get idle(): boolean {
    return !this.body && this.header.length === 0 && !this.error;
  }

  private takeHeader(rest: Buffer, replies: CheckShellReply[]): Buffer {
    const newline = rest.indexOf(0x0a);
    const end = newline === -1 ? rest.length : newline;
    if (this.header.length + end > MAX_HEADER_BYTES) throw new CheckShellProtocolError(`a reply header longer than ${MAX_HEADER_BYTES} bytes`);
    this.header = Buffer.concat([this.header, rest.subarray(0, end)]);
    if (newline === -1) return Buffer.alloc(0);
    const line = this.header.toString('latin1');
    this.header = Buffer.alloc(0);
    const short = shortHeader.exec(line);
    if (short) {
      replies.push({ kind: short[1] === 'S' ? 'started' : 'failed', id: Number(short[2]) });
      return rest.subarray(newline + 1);
    }
    const flood = floodHeader.exec(line);
    if (flood) {
      replies.push({ kind: 'flooded', id: Number(flood[1]), bytes: Number(flood[2]) });
      return rest.subarray(newline + 1);
    }
    const done = doneHeader.exec(line);
    if (!done) throw new CheckShellProtocolError(`not a reply header: ${JSON.stringify(line.slice(0, 40))}`);
    const header = { id: Number(done[1]), exitCode: Number(done[2]), stdoutBytes: Number(done[3]), stderrBytes: Number(done[4]) };
    if (header.exitCode > 255) throw new CheckShellProtocolError(`an exit code above 255: ${header.exitCode}`);
    for (const bytes of [header.stdoutBytes, header.stderrBytes]) {
      if (bytes > this.maxOutputBytes) throw new CheckShellProtocolError(`an output of ${bytes} bytes, more than the ${this.maxOutputBytes} kept`);
    }
    this.body = { header, chunks: [], have: 0, need: header.stdoutBytes + header.stderrBytes + 1 };
    return rest.subarray(newline + 1);
  }

  private takeBody(rest: Buffer, body: BodyInProgress, replies: CheckShellReply[]): Buffer {
    const take = Math.min(body.need - body.have, rest.length);
    // A copy: a slice would keep the whole chunk it came from alive.
    body.chunks.push(Buffer.from(rest.subarray(0, take)));
    body.have += take;
    if (body.have === body.need) {
      const all = Buffer.concat(body.chunks, body.need);
      if (all[body.need - 1] !== 0x0a) throw new CheckShellProtocolError(`reply ${body.header.id} does not end where its sizes say`);
      const { id, exitCode, stdoutBytes, stderrBytes } = body.header;
      replies.push({ kind: 'done', id, exitCode, stdout: all.subarray(0, stdoutBytes), stderr: all.subarray(stdoutBytes, stdoutBytes + stderrBytes) });
      this.body = undefined;
    }
    return rest.subarray(take);
  }
}
