import { terminalCloseSchema, terminalOpenSchema, terminalRenameSchema } from '../contracts/workspace.js';
import type { LearnerConnection } from './learner-socket.js';
import { reply } from './socket-messages.js';
import type { ConnectionAttachments } from './socket-terminal-events.js';

/**
 * terminal:open, terminal:rename and terminal:close: the session's terminal tabs. Every page of the
 * session is sent the new list (terminals:list).
 */
export function handleTabEvents({ io, socket, session, guarded, deps }: LearnerConnection, attachments: ConnectionAttachments): void {
  const { sessions } = deps;
  const { parse, handler } = guarded;
  const sendList = () => io.to(session.id).emit('terminals:list', session.terminalList());

  socket.on('terminal:open', handler('terminal:open', (payload, ack) => {
    const message = parse('terminal:open', terminalOpenSchema, payload ?? {}, ack);
    if (!message) return;
    const opened = sessions.openTerminal(session, message.name);
    sendList();
    reply(ack, { data: opened });
  }));

  socket.on('terminal:rename', handler('terminal:rename', (payload, ack) => {
    const message = parse('terminal:rename', terminalRenameSchema, payload, ack);
    if (!message) return;
    sessions.renameTerminal(session, message.terminalId, message.name);
    sendList();
    reply(ack, { data: session.terminalList() });
  }));

  socket.on('terminal:close', handler('terminal:close', (payload, ack) => {
    const message = parse('terminal:close', terminalCloseSchema, payload, ack);
    if (!message) return;
    attachments.detach(message.terminalId);
    sessions.closeTerminal(session, message.terminalId);
    sendList();
    reply(ack, { data: session.terminalList() });
  }));
}
