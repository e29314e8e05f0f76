import { terminalAckSchema, terminalAttachSchema, terminalInputSchema, terminalResizeSchema } from '../contracts/socket-events.js';
import { TokenBucket } from '../limits/token-bucket.js';
import type { LearnerConnection } from './learner-socket.js';
import type { SandboxTerminal, TerminalAttachment } from './sandbox-terminal.js';
import type { OutputChunk } from './scrollback-buffer.js';
import { reply } from './socket-messages.js';
import { ATTACH_RATE } from './socket-rate-limit.js';

/** This connection's attachments to its session's terminals. */
export interface ConnectionAttachments {
  /** Ends the connection's attachment to a terminal (it is being closed). */
  detach(terminalId: string): void;
}

/**
 * terminal:attach, terminal:input, terminal:ack and terminal:resize of one connection: its output
 * (replay, then live, under flow control and the connection's backlog) and its input to the shells.
 */
export function handleTerminalEvents({ socket, session, guarded, deps }: LearnerConnection): ConnectionAttachments {
  const { sessions, log } = deps;
  const { backlog, parse, handler } = guarded;
  /** This socket's attachment to each terminal (and the terminal, which a close and reopen may replace). */
  const attachments = new Map<string, { terminal: SandboxTerminal; attachment: TerminalAttachment }>();
  // Over its backlog bound, the socket's shells are held whatever it acknowledged; once drained they may go on.
  backlog.onDrained(() => {
    for (const { attachment } of attachments.values()) attachment.recheck();
  });
  const attachRate = new TokenBucket(ATTACH_RATE.burst, ATTACH_RATE.perSecond);

  /** Refuses a message for now: in its ack when it has one, else in an error event. */
  const refuse = (event: string, ack: unknown, message: string) => {
    if (typeof ack === 'function') reply(ack, { error: { code: 'rate-limited', message, retryable: true } });
    else socket.emit('error:message', { event, message });
  };

  socket.on('terminal:attach', handler('terminal:attach', async (payload, ack) => {
    const message = parse('terminal:attach', terminalAttachSchema, payload, ack);
    if (!message) return;
    // A page attaches each terminal once per connection; each attach replays up to the whole
    // scrollback and may start a shell.
    if (!attachRate.take()) {
      return refuse(
        'terminal:attach',
        ack,
        `Too many terminal:attach messages: at most ${ATTACH_RATE.burst} at once, then ${ATTACH_RATE.perSecond} a second. Wait a moment and attach again.`,
      );
    }
    if (backlog.over) {
      return refuse('terminal:attach', ack, 'Your connection has not taken the output already sent to it. Attach again once it has caught up.');
    }
    const terminal = await sessions.terminal(session, message.terminalId, message);
    if (socket.disconnected) return;
    const previous = attachments.get(message.terminalId);
    let replay: OutputChunk;
    if (previous?.terminal === terminal) {
      // Attached again on this connection: the replay counts on top of what it has not acknowledged.
      replay = previous.attachment.resend(message.since);
    } else {
      previous?.attachment.detach();
      const attachment = terminal.attach(
        message.since,
        (chunk) => socket.emit('terminal:output', { terminalId: message.terminalId, ...chunk }),
        () => {
          // A page that stopped reading (a frozen tab) lets the shell go on: its transport is closed, so
          // it reconnects and re-attaches from its own offset once it runs again.
          log.warn('terminal.reader.stalled', { session: session.id, terminal: message.terminalId });
          guarded.drop();
        },
        () => backlog.over,
      );
      attachments.set(message.terminalId, { terminal, attachment });
      replay = attachment.replay;
    }
    if (replay.data) socket.emit('terminal:output', { terminalId: message.terminalId, ...replay });
    // A shell that ended for good starts again when a page attaches (the terminal told the learner to
    // reload); after the replay, as its notice is output that follows it.
    terminal.restartIfEnded();
    await terminal.resize(message.cols, message.rows);
    reply(ack, { data: { offset: replay.offset + replay.data.length } });
  }));

  socket.on('terminal:input', handler('terminal:input', (payload) => {
    const message = parse('terminal:input', terminalInputSchema, payload);
    if (!message) return;
    const terminal = session.terminals.get(message.terminalId);
    if (!terminal) {
      socket.emit('error:message', { event: 'terminal:input', message: `Terminal ${message.terminalId} is not attached yet.` });
      return;
    }
    sessions.touch(session);
    terminal.write(message.clientId, message.seq, message.data);
  }));

  socket.on('terminal:ack', handler('terminal:ack', (payload) => {
    const message = parse('terminal:ack', terminalAckSchema, payload);
    if (message) attachments.get(message.terminalId)?.attachment.ack(message.offset);
  }));

  socket.on('terminal:resize', handler('terminal:resize', async (payload) => {
    const message = parse('terminal:resize', terminalResizeSchema, payload);
    if (!message) return;
    // Coalesced by the terminal: at most a few Docker calls a second, none for an unchanged size.
    await session.terminals.get(message.terminalId)?.resize(message.cols, message.rows);
  }));

  socket.on('disconnect', () => {
    for (const { attachment } of attachments.values()) attachment.detach();
    attachments.clear();
  });

  return {
    detach: (terminalId) => {
      attachments.get(terminalId)?.attachment.detach();
      attachments.delete(terminalId);
    },
  };
}
