import { randomUUID } from 'node:crypto';
import { Duplex } from 'node:stream';
import type { SandboxTerminal, TerminalAttachment } from './sandbox-terminal.js';

/** How much of what the terminal shows already the stream starts with: enough to see a prompt. */
const RECENT_CHARS = 400;

/**
 * A terminal that pages share, as a stream for the engine to type into like one more page: what is
 * written goes in as input of a client of its own (after what the learner types, never inside a
 * message of theirs), and what the shell prints comes out, starting with the last few hundred
 * characters it showed (so a reader can tell whether a prompt is up). Output is acknowledged as it
 * comes, so this reader never holds the shell. Ends with an error when the terminal takes no input
 * (no shell runs); destroying it detaches.
 */
export function typingStream(terminal: SandboxTerminal, clientId = `engine-${randomUUID()}`): Duplex {
  let seq = 0;
  const stream = new Duplex({
    read() {
      // Output is pushed as the terminal prints it.
    },
    write(chunk: Buffer | string, _encoding, callback) {
      const taken = terminal.write(clientId, seq++, typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      callback(taken ? null : new Error('the terminal took no input: no shell is running in it'));
    },
    destroy(error, callback) {
      attachment.detach();
      callback(error);
    },
  });
  // Called only after attach returns: the listener and destroy never see it unset.
  const attachment: TerminalAttachment = terminal.attach(Number.MAX_SAFE_INTEGER, (chunk) => {
    stream.push(chunk.data);
    attachment.ack(chunk.offset + chunk.data.length);
  });
  const recent = attachment.resend(Math.max(0, attachment.replay.offset - RECENT_CHARS));
  if (recent.data) stream.push(recent.data);
  attachment.ack(recent.offset + recent.data.length);
  return stream;
}
