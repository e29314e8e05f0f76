import { createHash } from 'node:crypto';
import type { Namespace, Socket } from 'socket.io';
import type { Config } from '../config/config-schema.js';
import {
  classSubscribeSchema,
  INSTRUCTOR_NAMESPACE,
  watchAckSchema,
  watchStartSchema,
  watchStopSchema,
  type ClassTable,
  type InstructorClientEvents,
  type InstructorServerEvents,
  type WatchEnded,
  type WatchStarted,
} from '../contracts/instructor.js';
import type { Lesson } from '../contracts/lesson.js';
import type { ApiErrorCode } from '../contracts/session.js';
import type { InstructorAuth } from '../http/instructor-auth.js';
import { instructorTokens } from '../http/instructor-cookie.js';
import { originAllowed } from '../http/origin-policy.js';
import { ClassFeeds } from '../instructor/class-feeds.js';
import { classTable } from '../instructor/class-table.js';
import { TokenBucket } from '../limits/token-bucket.js';
import type { Logger } from '../log/logger.js';
import type { ObservableProgressStore } from '../progress/progress-store.js';
import { SessionError, toApiError } from '../sessions/session-errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { GatewayServer } from './socket-gateway.js';
import { dropConnection, measureBacklog, SocketBacklog, type ClosableConnection } from './socket-backlog.js';
import { messageParser, reply } from './socket-messages.js';
import { ATTACH_RATE, SocketRateLimit } from './socket-rate-limit.js';
import { TerminalWatch } from './terminal-watch.js';
import { WatchedSessions } from './watched-sessions.js';

interface InstructorSocketData {
  token: string;
}
type InstructorNamespace = Namespace<InstructorClientEvents, InstructorServerEvents, Record<string, never>, InstructorSocketData>;
type InstructorSocket = Socket<InstructorClientEvents, InstructorServerEvents, Record<string, never>, InstructorSocketData>;

export interface InstructorGatewayDeps {
  config: Config;
  auth: InstructorAuth;
  progress: ObservableProgressStore;
  sessions: SessionManager;
  lessons: () => Lesson[];
  log: Logger;
}

const classRoom = (classId: string) => `class:${classId}`;
/** Names a session's terminal to a watcher without telling it the session id. */
const watchKey = (sessionId: string) => createHash('sha256').update(`${sessionId}:watch`).digest('base64url').slice(0, 22);

const refusal = (code: ApiErrorCode, message: string) => Object.assign(new Error(code), { data: { code, message } });

/**
 * The socket.io namespace /instructor: a signed-in instructor's live class table (pushed when a
 * learner of the class progresses) and read-only watching of a learner's main terminal. Only the
 * site's own pages with a live instructor cookie connect; there is no event that writes to a shell.
 * Learners are told (session:watched) while someone watches their terminal.
 */
export function attachInstructorGateway(io: GatewayServer, deps: InstructorGatewayDeps): { close(): void } {
  const { config, auth, progress, sessions, log } = deps;
  const nsp = io.of(INSTRUCTOR_NAMESPACE) as unknown as InstructorNamespace;

  const loadTable = async (classId: string): Promise<ClassTable | undefined> => {
    const info = (await progress.classes()).find((candidate) => candidate.id === classId);
    if (!info) return undefined;
    // Not classAttempts: every check ever made by the class, read again on each change.
    return classTable(info, await progress.classRows(classId), deps.lessons());
  };
  const feeds = new ClassFeeds({
    load: loadTable,
    publish: (classId, table) => nsp.to(classRoom(classId)).emit('class:table', table),
    classesOf: async (learner) => (await progress.profile(learner)).classes.map((entry) => entry.id),
    log,
  });
  const stopChanges = progress.onChange((change) => feeds.changed(change.learner));

  // The learner's pages: told when watching starts and stops, and on connect while it goes on.
  const watched = new WatchedSessions((sessionId, watching) => io.to(sessionId).emit('session:watched', { watching }));
  io.on('connection', (socket) => {
    if (watched.watching(socket.data.session.id)) socket.emit('session:watched', { watching: true });
  });
  /** Ends every watch of a session: its sandbox ended. */
  const watchEnders = new Map<string, Set<(ended: WatchEnded) => void>>();
  const stopSessionEvents = sessions.onEvent((event) => {
    if (event.type !== 'ended') return;
    for (const end of [...(watchEnders.get(event.session.id) ?? [])]) end({ reason: 'session-ended', message: 'The learner\'s sandbox ended.' });
  });

  nsp.use((socket, next) => {
    if (socket.conn.readyState !== 'open') return next(new Error('closed'));
    // The engine checked the origin of the connection (allowRequest); checked again here, for this namespace.
    const origin = originAllowed(socket.handshake.headers, config.ALLOWED_ORIGINS);
    if (!origin.ok) {
      log.warn('instructor.socket.origin.refused', { origin: socket.handshake.headers.origin, reason: origin.reason });
      return next(refusal('origin-refused', `Refused: ${origin.reason}.`));
    }
    if (!auth.configured) return next(refusal('not-configured', 'There is no instructor area on this server.'));
    const token = auth.validToken(instructorTokens(socket.handshake.headers.cookie));
    if (!token) return next(refusal('unauthorized', 'Sign in as the instructor first.'));
    socket.data.token = token;
    next();
  });

  nsp.on('connection', (socket: InstructorSocket) => {
    const token = socket.data.token;
    const connection = socket.conn as unknown as ClosableConnection;
    let releaseClass: (() => void) | undefined;
    let watch: { view: TerminalWatch; end: (ended?: WatchEnded) => void } | undefined;

    const signOff = () => {
      socket.emit('watch:ended', { reason: 'signed-out', message: 'Your instructor session ended: sign in again.' });
      socket.disconnect(true);
    };
    const offSignOut = auth.onSignOut((signedOut) => {
      if (signedOut === token) signOff();
    });
    const expiry = setTimeout(signOff, Math.max(0, (auth.expiresAt(token) ?? Date.now()) - Date.now()));
    expiry.unref?.();

    const backlog = new SocketBacklog(
      () => measureBacklog(connection),
      (held) => {
        log.warn('instructor.backlog.dropped', { packets: held.packets, bytes: held.bytes });
        dropConnection(connection);
      },
    );
    backlog.onDrained(() => watch?.view.recheck());
    const checkBacklog = () => backlog.check();
    socket.conn.on('packetCreate', checkBacklog);

    const limit = new SocketRateLimit();
    socket.use(([event, ...rest], next) => {
      if (auth.expiresAt(token) === undefined) return signOff();
      const verdict = limit.check();
      if (verdict === 'pass') return next();
      if (verdict === 'drop-and-notify') socket.emit('error:message', { event: String(event).slice(0, 64), message: 'Too many messages: slow down.' });
      reply(rest.at(-1), { error: { code: 'rate-limited', message: 'Too many messages: slow down.', retryable: true } });
      if (verdict === 'disconnect') socket.disconnect(true);
    });
    const watchRate = new TokenBucket(ATTACH_RATE.burst, ATTACH_RATE.perSecond);

    const parse = messageParser((error) => socket.emit('error:message', error));
    const guard = (event: string, handler: (payload: unknown, ack?: unknown) => Promise<void> | void) => (payload: unknown, ack?: unknown) => {
      Promise.resolve()
        .then(() => handler(payload, ack))
        .catch((error: unknown) => {
          if (!(error instanceof SessionError)) log.error('instructor.socket.failed', { event, error });
          reply(ack, { error: toApiError(error) });
        });
    };

    const stopWatch = (ended?: WatchEnded) => watch?.end(ended);

    socket.on('class:subscribe', guard('class:subscribe', async (payload, ack) => {
      const message = parse('class:subscribe', classSubscribeSchema, payload, ack);
      if (!message) return;
      const release = feeds.watch(message.classId);
      const table = await feeds.current(message.classId).catch((error: unknown) => {
        release();
        throw error;
      });
      if (!table || socket.disconnected) {
        release();
        if (!table) throw new SessionError('not-found', 'There is no such class.');
        return;
      }
      for (const room of socket.rooms) if (room.startsWith('class:')) void socket.leave(room);
      releaseClass?.();
      releaseClass = release;
      void socket.join(classRoom(message.classId));
      reply(ack, { data: table });
    }));

    socket.on('watch:start', guard('watch:start', async (payload, ack) => {
      const message = parse('watch:start', watchStartSchema, payload, ack);
      if (!message) return;
      if (!watchRate.take()) throw new SessionError('rate-limited', 'Too many watch requests: wait a moment.');
      const member = (await progress.classRows(message.classId)).find((row) => row.learner === message.learner);
      if (!member) throw new SessionError('not-found', 'That learner is not in this class.');
      const session = sessions.forLearner(message.learner);
      if (!session) throw new SessionError('no-session', `${member.displayName} has no sandbox running right now.`);
      const terminal = session.terminals.get('main');
      if (!terminal) throw new SessionError('no-session', `${member.displayName} has a sandbox but no terminal open: it opens with their lesson page.`);
      if (socket.disconnected) return;
      stopWatch();
      const key = watchKey(session.id);
      // From here to the reply nothing waits: no output can come between the replay and the ack.
      const view = new TerminalWatch({
        terminal,
        since: message.key === key ? message.since : 0,
        send: (chunk) => socket.emit('watch:output', chunk),
        resized: (size) => socket.emit('watch:size', size),
        backlogged: () => backlog.over,
      });
      const releaseWatched = watched.add(session.id);
      const enders = watchEnders.get(session.id) ?? new Set();
      watchEnders.set(session.id, enders);
      const current = {
        view,
        end: (ended?: WatchEnded) => {
          if (watch !== current) return;
          watch = undefined;
          view.stop();
          releaseWatched();
          enders.delete(current.end);
          if (enders.size === 0 && watchEnders.get(session.id) === enders) watchEnders.delete(session.id);
          if (ended) socket.emit('watch:ended', ended);
          log.info('instructor.watch.stopped', { session: session.id, reason: ended?.reason ?? 'stopped' });
        },
      };
      watch = current;
      enders.add(current.end);
      log.info('instructor.watch.started', { session: session.id });
      const lesson = deps.lessons().find((candidate) => candidate.slug === session.lesson);
      reply<WatchStarted>(ack, {
        data: {
          displayName: member.displayName,
          lesson: session.lesson,
          lessonTitle: lesson?.title ?? session.lesson,
          ...view.currentSize,
          key,
          replay: view.replay,
        },
      });
    }));

    socket.on('watch:ack', guard('watch:ack', (payload) => {
      const message = parse('watch:ack', watchAckSchema, payload);
      if (message) watch?.view.ack(message.offset);
    }));

    socket.on('watch:stop', guard('watch:stop', (payload, ack) => {
      if (!parse('watch:stop', watchStopSchema, payload ?? {}, ack)) return;
      const watching = watch !== undefined;
      stopWatch();
      reply(ack, { data: { stopped: watching } });
    }));

    socket.on('disconnect', () => {
      stopWatch();
      releaseClass?.();
      releaseClass = undefined;
      backlog.close();
      socket.conn.off('packetCreate', checkBacklog);
      offSignOut();
      clearTimeout(expiry);
    });
  });

  return {
    close: () => {
      stopChanges();
      stopSessionEvents();
      feeds.close();
    },
  };
}
