import { INSTRUCTOR_NAMESPACE } from '../contracts/instructor.js';
import { instructorTokens } from '../http/instructor-cookie.js';
import { originAllowed } from '../http/origin-policy.js';
import { SessionError } from '../sessions/session-errors.js';
import { guardSocket, handshakeRefusal, openHandshake } from './guarded-socket.js';
import { classFeedsOf, handleClassEvents } from './instructor-class-events.js';
import type { InstructorGatewayDeps, InstructorNamespace, InstructorSocket } from './instructor-socket.js';
import { handleWatchEvents, SessionWatchers } from './instructor-watch-events.js';
import type { GatewayServer } from './learner-socket.js';

export type { InstructorGatewayDeps } from './instructor-socket.js';

/**
 * The socket.io namespace /instructor: a signed-in instructor's live class table (pushed when a
 * learner of the class progresses) and read-only watching of a learner's main terminal. Only the
 * site's own pages with a live instructor cookie connect; there is no event that writes to a shell.
 * Learners are told (session:watched) while someone watches their terminal.
 */
export function attachInstructorGateway(io: GatewayServer, deps: InstructorGatewayDeps): { close(): void } {
  const { config, auth, sessions, log } = deps;
  const nsp = io.of(INSTRUCTOR_NAMESPACE) as unknown as InstructorNamespace;
  const classes = classFeedsOf(nsp, deps);
  const watchers = new SessionWatchers(io, sessions);

  nsp.use(
    openHandshake((socket: InstructorSocket) => {
      // The engine checked the origin of the connection (allowRequest); checked again here, for this namespace.
      const origin = originAllowed(socket.handshake.headers, config.ALLOWED_ORIGINS);
      if (!origin.ok) {
        log.warn('instructor.socket.origin.refused', { origin: socket.handshake.headers.origin, reason: origin.reason });
        return handshakeRefusal('origin-refused', `Refused: ${origin.reason}.`);
      }
      if (!auth.configured) return handshakeRefusal('not-configured', 'There is no instructor area on this server.');
      const token = auth.validToken(instructorTokens(socket.handshake.headers.cookie));
      if (!token) return handshakeRefusal('unauthorized', 'Sign in as the instructor first.');
      socket.data.token = token;
      return undefined;
    }),
  );

  nsp.on('connection', (socket: InstructorSocket) => {
    const token = socket.data.token;
    const signOff = () => {
      socket.emit('watch:ended', { reason: 'signed-out', message: 'Your instructor session ended: sign in again.' });
      socket.disconnect(true);
    };
    const offSignOut = auth.onSignOut((signedOut) => {
      if (signedOut === token) signOff();
    });
    const expiry = setTimeout(signOff, Math.max(0, (auth.expiresAt(token) ?? Date.now()) - Date.now()));
    expiry.unref?.();
    // A message after the sign-in expired ends the connection (before it costs a token).
    socket.use((_event, next) => (auth.expiresAt(token) === undefined ? signOff() : next()));

    const guarded = guardSocket(socket, {
      emitError: (error) => socket.emit('error:message', error),
      rateLimitMessage: 'Too many messages: slow down.',
      onBacklogDropped: (held) => log.warn('instructor.backlog.dropped', { packets: held.packets, bytes: held.bytes }),
      onHandlerFailed: (event, error) => {
        if (!(error instanceof SessionError)) log.error('instructor.socket.failed', { event, error });
      },
    });
    const connection = { socket, guarded, deps };
    handleClassEvents(connection, classes.feeds);
    handleWatchEvents(connection, watchers);

    socket.on('disconnect', () => {
      offSignOut();
      clearTimeout(expiry);
    });
  });

  return {
    close: () => {
      classes.close();
      watchers.close();
    },
  };
}
