import { createHash } from 'node:crypto';
import { watchAckSchema, watchStartSchema, watchStopSchema, type WatchEnded, type WatchStarted } from '../contracts/instructor.js';
import { TokenBucket } from '../limits/token-bucket.js';
import { SessionError } from '../sessions/session-errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { InstructorConnection } from './instructor-socket.js';
import type { GatewayServer } from './learner-socket.js';
import { reply } from './socket-messages.js';
import { ATTACH_RATE } from './socket-rate-limit.js';
import { TerminalWatch } from './terminal-watch.js';
import { WatchedSessions } from './watched-sessions.js';

/** Names a session's terminal to a watcher without telling it the session id. */
const watchKey = (sessionId: string) => createHash('sha256').update(`${sessionId}:watch`).digest('base64url').slice(0, 22);

/**
 * Who watches which learner's session, for every instructor connection: the learner's pages are told
 * when watching starts and stops (and on connect while it goes on), and every watch of a session ends
 * with its sandbox.
 */
export class SessionWatchers {
  readonly watched: WatchedSessions;
  /** Ends every watch of a session: its sandbox ended. */
  readonly enders = new Map<string, Set<(ended: WatchEnded) => void>>();
  private readonly stopSessionEvents: () => void;

  constructor(io: GatewayServer, sessions: SessionManager) {
    this.watched = new WatchedSessions((sessionId, watching) => io.to(sessionId).emit('session:watched', { watching }));
    io.on('connection', (socket) => {
      if (this.watched.watching(socket.data.session.id)) socket.emit('session:watched', { watching: true });
    });
    this.stopSessionEvents = sessions.onEvent((event) => {
      if (event.type !== 'ended') return;
      for (const end of [...(this.enders.get(event.session.id) ?? [])]) end({ reason: 'session-ended', message: 'The learner\'s sandbox ended.' });
    });
  }

  close(): void {
    this.stopSessionEvents();
  }
}

/**
 * watch:start, watch:ack and watch:stop: a read-only view of one learner's main terminal at a time
 * (terminal-watch.ts), which never holds the learner's shell.
 */
export function handleWatchEvents({ socket, guarded, deps }: InstructorConnection, watchers: SessionWatchers): void {
  const { progress, sessions, log } = deps;
  const { backlog, parse, handler } = guarded;
  const watchEnders = watchers.enders;
  let watch: { view: TerminalWatch; end: (ended?: WatchEnded) => void } | undefined;
  backlog.onDrained(() => watch?.view.recheck());
  const watchRate = new TokenBucket(ATTACH_RATE.burst, ATTACH_RATE.perSecond);
  const stopWatch = (ended?: WatchEnded) => watch?.end(ended);

  socket.on('watch:start', handler('watch:start', async (payload, ack) => {
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
    const releaseWatched = watchers.watched.add(session.id);
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

  socket.on('watch:ack', handler('watch:ack', (payload) => {
    const message = parse('watch:ack', watchAckSchema, payload);
    if (message) watch?.view.ack(message.offset);
  }));

  socket.on('watch:stop', handler('watch:stop', (payload, ack) => {
    if (!parse('watch:stop', watchStopSchema, payload ?? {}, ack)) return;
    const watching = watch !== undefined;
    stopWatch();
    reply(ack, { data: { stopped: watching } });
  }));

  socket.on('disconnect', () => stopWatch());
}
