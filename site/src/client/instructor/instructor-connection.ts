import { io, type Socket } from 'socket.io-client';
import {
  INSTRUCTOR_NAMESPACE,
  type ClassTable,
  type InstructorClientEvents,
  type InstructorServerEvents,
  type WatchEnded,
  type WatchOutput,
  type WatchStarted,
} from '../../../../sandbox-engine/src/contracts/instructor.js';
import type { ApiError, Result } from '../../../../sandbox-engine/src/contracts/session.js';

const REQUEST_TIMEOUT_MS = 15_000;

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface InstructorConnectionEvents {
  state(state: ConnectionState, message?: string): void;
  /** The instructor session is gone (signed out, expired): sign in again. */
  signedOut(message: string): void;
  table(table: ClassTable): void;
  classFailed(error: ApiError): void;
  watchStarted(started: WatchStarted): void;
  watchFailed(error: ApiError): void;
  watchOutput(output: WatchOutput): void;
  watchSize(size: { cols: number; rows: number }): void;
  watchEnded(ended: WatchEnded): void;
}

type InstructorSocket = Socket<InstructorServerEvents, InstructorClientEvents>;

const failure = (message: string): { error: ApiError } => ({ error: { code: 'internal', message, retryable: true } });
const isResult = <T>(value: unknown): value is Result<T> => typeof value === 'object' && value !== null && ('data' in value || 'error' in value);

/**
 * The instructor page's socket (namespace /instructor, signed in by the HttpOnly cookie the browser
 * sends with the handshake): the class shown and the learner watched are asked for again on every
 * reconnect, the watch from the output the view already holds.
 */
export class InstructorConnection {
  readonly #socket: InstructorSocket;
  #classId: string | undefined;
  #watching: { classId: string; learner: string } | undefined;

  constructor(
    readonly on: InstructorConnectionEvents,
    /** The watch view's output offset and terminal key, to continue a watch after a reconnect. */
    readonly watchPosition: () => { since: number; key?: string },
  ) {
    this.#socket = io(INSTRUCTOR_NAMESPACE, { transports: ['websocket', 'polling'], autoConnect: false, withCredentials: true });
    const socket = this.#socket;
    socket.on('connect', () => {
      on.state('live');
      if (this.#classId) this.#subscribe(this.#classId);
      if (this.#watching) this.#watch(this.#watching);
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return;
      on.state(socket.active ? 'reconnecting' : 'closed', 'The live connection was closed. Reload the page.');
    });
    socket.on('connect_error', (error) => {
      const data = (error as Error & { data?: { code?: string; message?: string } }).data;
      if (data?.code === 'unauthorized') {
        socket.disconnect();
        return on.signedOut(data.message ?? 'Sign in again.');
      }
      on.state(socket.active ? 'reconnecting' : 'closed', data?.message ?? error.message);
    });
    socket.on('class:table', (table) => {
      if (table.class.id === this.#classId) on.table(table);
    });
    socket.on('watch:output', (output) => on.watchOutput(output));
    socket.on('watch:size', (size) => on.watchSize(size));
    socket.on('watch:ended', (ended) => {
      if (ended.reason === 'signed-out') return on.signedOut(ended.message);
      this.#watching = undefined;
      on.watchEnded(ended);
    });
    socket.on('error:message', (event) => console.warn(`[dockyard] ${event.event}: ${event.message}`));
  }

  connect(): void {
    if (!this.#socket.connected) {
      this.on.state('connecting');
      this.#socket.connect();
    }
  }

  disconnect(): void {
    this.#classId = undefined;
    this.#watching = undefined;
    this.#socket.disconnect();
  }

  /** Shows this class: its table now, then again whenever it changes. */
  showClass(classId: string): void {
    this.#classId = classId;
    if (this.#socket.connected) this.#subscribe(classId);
  }

  /** Watches a learner's terminal (read-only); replaces any other watch. */
  watch(classId: string, learner: string): void {
    this.#watching = { classId, learner };
    if (this.#socket.connected) this.#watch(this.#watching);
  }

  stopWatching(): void {
    this.#watching = undefined;
    if (this.#socket.connected) this.#socket.emit('watch:stop', {});
  }

  /** The view wrote the watched output up to `offset`. */
  ack(offset: number): void {
    if (this.#socket.connected) this.#socket.emit('watch:ack', { offset });
  }

  #subscribe(classId: string): void {
    this.#request<ClassTable>('class:subscribe', { classId }, (result) => {
      if (classId !== this.#classId) return;
      if ('data' in result) this.on.table(result.data);
      else this.on.classFailed(result.error);
    });
  }

  #watch(target: { classId: string; learner: string }): void {
    this.#request<WatchStarted>('watch:start', { ...target, ...this.watchPosition() }, (result) => {
      if (this.#watching !== target) return;
      if ('data' in result) return this.on.watchStarted(result.data);
      this.#watching = undefined;
      this.on.watchFailed(result.error);
    });
  }

  /**
   * Asks with an ack callback (not a promise): it runs as the answer is read, before any event sent
   * after it, so a watch's replay is written before the output that follows it.
   */
  #request<T>(event: 'class:subscribe' | 'watch:start', payload: object, done: (result: Result<T>) => void): void {
    // The answer is checked below, so the emit is typed loosely (socket.io cannot infer acks over a union of events).
    const socket = this.#socket.timeout(REQUEST_TIMEOUT_MS) as unknown as { emit(name: string, body: object, ack: (error: Error | null, answer: unknown) => void): void };
    socket.emit(event, payload, (error, answer) => {
      if (error) return done(failure('The server did not answer. Try again.'));
      done(isResult<T>(answer) ? answer : failure('The server sent an answer this page does not understand.'));
    });
  }
}
