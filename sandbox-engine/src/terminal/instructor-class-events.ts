import { classSubscribeSchema, type ClassTable } from '../contracts/instructor.js';
import { ClassFeeds } from '../instructor/class-feeds.js';
import { classTable } from '../instructor/class-table.js';
import { SessionError } from '../sessions/session-errors.js';
import type { InstructorConnection, InstructorGatewayDeps, InstructorNamespace } from './instructor-socket.js';
import { reply } from './socket-messages.js';

const classRoom = (classId: string) => `class:${classId}`;

/** The live class tables of the namespace: each pushed to its room when a learner of the class progresses. */
export function classFeedsOf(nsp: InstructorNamespace, { progress, lessons, log }: Pick<InstructorGatewayDeps, 'progress' | 'lessons' | 'log'>) {
  const loadTable = async (classId: string): Promise<ClassTable | undefined> => {
    const info = (await progress.classes()).find((candidate) => candidate.id === classId);
    if (!info) return undefined;
    // Not classAttempts: every check ever made by the class, read again on each change.
    return classTable(info, await progress.classRows(classId), lessons());
  };
  const feeds = new ClassFeeds({
    load: loadTable,
    publish: (classId, table) => nsp.to(classRoom(classId)).emit('class:table', table),
    classesOf: async (learner) => (await progress.profile(learner)).classes.map((entry) => entry.id),
    log,
  });
  const stopChanges = progress.onChange((change) => feeds.changed(change.learner));
  return {
    feeds,
    close: () => {
      stopChanges();
      feeds.close();
    },
  };
}

/** class:subscribe: the class table now, and in its room for every change (one class at a time). */
export function handleClassEvents({ socket, guarded }: InstructorConnection, feeds: ClassFeeds): void {
  let releaseClass: (() => void) | undefined;

  socket.on('class:subscribe', guarded.handler('class:subscribe', async (payload, ack) => {
    const message = guarded.parse('class:subscribe', classSubscribeSchema, payload, ack);
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

  socket.on('disconnect', () => {
    releaseClass?.();
    releaseClass = undefined;
  });
}
