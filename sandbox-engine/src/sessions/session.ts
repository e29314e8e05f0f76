import { createHash } from 'node:crypto';
import type { SessionInfo } from '../contracts/session.js';
import type { TerminalInfo } from '../contracts/workspace.js';
import type { PersistentSandboxShell } from '../checkers/persistent-sandbox-shell.js';
import type { ShellStream } from '../drivers/sandbox-driver.js';
import type { SandboxTerminal } from '../terminal/sandbox-terminal.js';

/** A learner's session: one sandbox, its terminals and the steps passed in it. */
export class Session {
  lastActivity: number;
  readonly passedSteps = new Set<string>();
  readonly terminals = new Map<string, SandboxTerminal>();
  /** The session's terminals in tab order: main first; shells start when first attached. */
  readonly terminalNames = new Map<string, string>([['main', 'Terminal 1']]);
  /** Opens the session's port previews; derived from its learner and id, so it survives an engine restart. */
  readonly previewToken: string;
  /** The same for previews on host names of their own (`<previewHost>-<port>.<PREVIEW_ORIGIN>`): lowercase, as DNS is. */
  readonly previewHost: string;
  /** The sandbox's address, learned on first preview. */
  address: string | undefined;
  /** The network address that asked for it (unknown after an engine restart): per-address limits count it. */
  clientAddress: string | undefined;
  /** The main terminal's shell, opened when the sandbox started: its first attach takes it (no wait for a new shell). */
  warmShell: ShellStream | undefined;
  /** Runs its step checks: one long-lived exec, started at the first check, closed when the session ends. */
  checkShell: PersistentSandboxShell | undefined;
  /** The deadline a warning was last sent for, so each is sent once. */
  warnedFor: number | undefined;
  ended = false;

  constructor(
    readonly id: string,
    readonly lesson: string,
    /** sha256 of the learner's key: the one browser that may open this sandbox. */
    readonly learnerHash: string,
    readonly containerId: string,
    readonly containerName: string,
    readonly createdAt: number,
    readonly expiresAt: number,
  ) {
    this.lastActivity = Date.now();
    this.previewToken = createHash('sha256').update(`${learnerHash}:${id}:preview`).digest('base64url').slice(0, 32);
    this.previewHost = createHash('sha256').update(`${learnerHash}:${id}:preview-host`).digest('hex').slice(0, 32);
  }

  terminalList(): TerminalInfo[] {
    return [...this.terminalNames].map(([terminalId, name]) => ({ terminalId, name }));
  }

  idleExpiresAt(idleTimeoutMs: number): number {
    return Math.min(this.lastActivity + idleTimeoutMs, this.expiresAt);
  }

  info(settings: { idleTimeoutMs: number; warnBeforeMs: number }, resumed: boolean, movedFrom?: SessionInfo['movedFrom']): SessionInfo {
    return {
      sessionId: this.id,
      lesson: this.lesson,
      expiresAt: new Date(this.expiresAt).toISOString(),
      idleExpiresAt: new Date(this.idleExpiresAt(settings.idleTimeoutMs)).toISOString(),
      idleTimeoutMs: settings.idleTimeoutMs,
      warnBeforeMs: settings.warnBeforeMs,
      passedSteps: [...this.passedSteps],
      resumed,
      ...(movedFrom ? { movedFrom } : {}),
    };
  }
}
