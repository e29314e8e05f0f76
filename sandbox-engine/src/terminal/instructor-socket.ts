import type { Namespace, Socket } from 'socket.io';
import type { Config } from '../config/config-schema.js';
import type { InstructorClientEvents, InstructorServerEvents } from '../contracts/instructor.js';
import type { Lesson } from '../contracts/lesson.js';
import type { InstructorAuth } from '../http/instructor-auth.js';
import type { Logger } from '../log/logger.js';
import type { ObservableProgressStore } from '../progress/progress-store.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { GuardedSocket } from './guarded-socket.js';

export interface InstructorSocketData {
  token: string;
}
export type InstructorNamespace = Namespace<InstructorClientEvents, InstructorServerEvents, Record<string, never>, InstructorSocketData>;
export type InstructorSocket = Socket<InstructorClientEvents, InstructorServerEvents, Record<string, never>, InstructorSocketData>;

export interface InstructorGatewayDeps {
  config: Config;
  auth: InstructorAuth;
  progress: ObservableProgressStore;
  sessions: SessionManager;
  lessons: () => Lesson[];
  log: Logger;
}

/** One signed-in instructor's connection, as each group of its events sees it. */
export interface InstructorConnection {
  socket: InstructorSocket;
  guarded: GuardedSocket;
  deps: InstructorGatewayDeps;
}
