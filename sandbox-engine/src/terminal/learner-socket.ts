import type { Server, Socket } from 'socket.io';
import type { StepResult } from '../contracts/checker.js';
import type { Lesson, Step } from '../contracts/lesson.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../contracts/socket-events.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import type { Logger } from '../log/logger.js';
import type { ProgressStore } from '../progress/progress-store.js';
import type { Session } from '../sessions/session.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { PassedStepsReplay } from '../sessions/replay-passed-steps.js';
import type { GuardedSocket } from './guarded-socket.js';

export interface LearnerSocketData {
  session: Session;
}

export type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, LearnerSocketData>;
export type LearnerSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, LearnerSocketData>;

export interface SocketGatewayDeps {
  sessions: SessionManager;
  findLesson: (slug: string) => Lesson | undefined;
  runChecks: (step: Step, shell: SandboxShell) => Promise<StepResult>;
  log: Logger;
  trustProxyHops: number;
  maxSocketsPerAddress: number;
  /** Where every check attempt is recorded (absent: nowhere); a failure to record never fails the check. */
  progress?: Pick<ProgressStore, 'recordAttempt'>;
  /** 'lesson:replay' (absent: the server answers that it cannot replay). */
  replay?: PassedStepsReplay;
}

/** One learner's page connection, as each group of its events sees it. */
export interface LearnerConnection {
  io: GatewayServer;
  socket: LearnerSocket;
  /** The session the handshake authenticated the socket to. */
  session: Session;
  guarded: GuardedSocket;
  deps: SocketGatewayDeps;
}
