import { z } from 'zod';
import type { ApiError, Result, SessionInfo } from './session.js';
import type { StepResult } from './checker.js';
import type { ReplayProgress } from './progress.js';
import { terminalIdSchema, type TerminalInfo } from './workspace.js';

/** Largest single terminal input message; the client splits bigger pastes. */
export const MAX_INPUT_CHARS = 16 * 1024;


export const terminalAttachSchema = z
  .object({
    terminalId: terminalIdSchema.default('main'),
    cols: z.number().int().min(2).max(1000),
    rows: z.number().int().min(1).max(500),
    /** Output offset the client already holds (0 for a new page): only what follows is sent. */
    since: z.number().int().min(0).default(0),
  })
  .strict();

export const terminalInputSchema = z
  .object({
    terminalId: terminalIdSchema.default('main'),
    /** Random id of the page instance: with seq, lets the server drop a message it already took. */
    clientId: z.string().min(8).max(64),
    seq: z.number().int().min(0),
    data: z.string().min(1).max(MAX_INPUT_CHARS),
  })
  .strict();

export const terminalResizeSchema = z
  .object({
    terminalId: terminalIdSchema.default('main'),
    cols: z.number().int().min(2).max(1000),
    rows: z.number().int().min(1).max(500),
  })
  .strict();

/** The page wrote this terminal's output up to `offset` (flow control: the engine pauses a shell whose output is not acknowledged). */
export const terminalAckSchema = z
  .object({
    terminalId: terminalIdSchema.default('main'),
    /** Absolute end offset of the output the page has processed. */
    offset: z.number().int().min(0),
  })
  .strict();

export const stepCheckSchema = z.object({ stepId: z.string().min(1).max(64) }).strict();
export const keepaliveSchema = z.object({}).strict();
/** 'lesson:replay': types the solutions of the steps the learner passed before into this new sandbox. */
export const lessonReplaySchema = z.object({}).strict();

export type TerminalAttach = z.infer<typeof terminalAttachSchema>;
export type TerminalInput = z.infer<typeof terminalInputSchema>;
export type TerminalResize = z.infer<typeof terminalResizeSchema>;
export type TerminalAck = z.infer<typeof terminalAckSchema>;
export type StepCheck = z.infer<typeof stepCheckSchema>;

export interface TerminalOutput {
  terminalId: string;
  /** Offset of the first character of data in this terminal's output since it started. */
  offset: number;
  data: string;
}

export interface SessionExpiring {
  reason: 'idle' | 'lifetime';
  /** ISO time when the session will end. */
  at: string;
}

export interface SessionEnded {
  /**
   * moved: the learner started another lesson's sandbox (one at a time). kernel-limit: the sandbox
   * held more of the host's kernel memory than a sandbox may (neighbour entries).
   */
  reason: 'idle' | 'lifetime' | 'ended' | 'sandbox-died' | 'moved' | 'kernel-limit';
  message: string;
}

/** An instructor started or stopped watching this session's main terminal (read-only). */
export interface SessionWatched {
  watching: boolean;
}

export interface SocketErrorMessage {
  event: string;
  message: string;
}

export type Ack<T> = (result: Result<T>) => void;

export interface ClientToServerEvents {
  'terminal:attach': (payload: unknown, ack?: Ack<{ offset: number }>) => void;
  'terminal:input': (payload: unknown) => void;
  'terminal:resize': (payload: unknown) => void;
  /** Acknowledges written output, a few times a second at most per terminal. */
  'terminal:ack': (payload: unknown) => void;
  'step:check': (payload: unknown, ack?: Ack<StepResult>) => void;
  'session:keepalive': (payload: unknown, ack?: Ack<SessionInfo>) => void;
  /** Opens another shell in the same sandbox; attach to it with terminal:attach. */
  'terminal:open': (payload: unknown, ack?: Ack<TerminalInfo>) => void;
  'terminal:rename': (payload: unknown, ack?: Ack<TerminalInfo[]>) => void;
  /** Ends that shell; the main terminal cannot be closed. */
  'terminal:close': (payload: unknown, ack?: Ack<TerminalInfo[]>) => void;
  /** Replays the recorded passed steps' solutions in the main terminal; acks the steps it will replay. */
  'lesson:replay': (payload: unknown, ack?: Ack<{ steps: string[] }>) => void;
}

export interface ServerToClientEvents {
  'terminal:output': (payload: TerminalOutput) => void;
  'session:info': (payload: SessionInfo) => void;
  'session:expiring': (payload: SessionExpiring) => void;
  'session:ended': (payload: SessionEnded) => void;
  'step:result': (payload: StepResult) => void;
  'error:message': (payload: SocketErrorMessage) => void;
  /** The session's terminals, sent on connect and whenever one is opened, renamed or closed. */
  'terminals:list': (payload: TerminalInfo[]) => void;
  /** How a replay ('lesson:replay') goes, to every page of the session. */
  'replay:progress': (payload: ReplayProgress) => void;
  /** Sent on connect while an instructor watches, and whenever watching starts or stops. */
  'session:watched': (payload: SessionWatched) => void;
}

export type { ApiError };
