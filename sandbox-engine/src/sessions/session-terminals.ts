import type { Config } from '../config/config-schema.js';
import type { SandboxDriver, ShellStream } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import { SandboxTerminal } from '../terminal/sandbox-terminal.js';
import type { Session } from './session.js';
import type { SessionJournal } from './session-journal.js';
import { SessionError } from './session-errors.js';

const MAX_TERMINALS = 6;

export interface SessionTerminalsDeps {
  config: Config;
  driver: SandboxDriver;
  log: Logger;
  journal?: SessionJournal;
}

/** A session's terminal tabs: open, rename, close, and each one's shell started on first attach. */
export class SessionTerminals {
  constructor(private readonly deps: SessionTerminalsDeps) {}

  /** Adds a terminal tab; its shell starts when a page attaches to it. */
  open(session: Session, name?: string): { terminalId: string; name: string } {
    if (session.terminalNames.size >= MAX_TERMINALS) {
      throw new SessionError('bad-request', `A sandbox can have ${MAX_TERMINALS} terminals at most: close one first.`);
    }
    let number = 2;
    while (session.terminalNames.has(`t${number}`)) number += 1;
    const terminalId = `t${number}`;
    // The default name follows the id ("t3" is "Terminal 3"), so names never repeat.
    const label = name ?? `Terminal ${number}`;
    session.terminalNames.set(terminalId, label);
    return { terminalId, name: label };
  }

  rename(session: Session, terminalId: string, name: string): void {
    if (!session.terminalNames.has(terminalId)) throw new SessionError('bad-request', `There is no terminal ${terminalId}.`);
    session.terminalNames.set(terminalId, name);
  }

  close(session: Session, terminalId: string): void {
    if (terminalId === 'main') throw new SessionError('bad-request', 'The first terminal cannot be closed.');
    if (!session.terminalNames.delete(terminalId)) throw new SessionError('bad-request', `There is no terminal ${terminalId}.`);
    session.terminals.get(terminalId)?.close();
    session.terminals.delete(terminalId);
  }

  /** The session's terminal with this id, its shell started on first use (`since`: the output the attaching page holds). */
  async get(session: Session, terminalId: string, size: { cols: number; rows: number; since?: number }): Promise<SandboxTerminal> {
    const existing = session.terminals.get(terminalId);
    if (existing) return existing;
    if (!session.terminalNames.has(terminalId)) throw new SessionError('bad-request', `There is no terminal ${terminalId}: open one with terminal:open.`);
    const terminal = new SandboxTerminal(
      terminalId,
      (shellSize) => this.openShell(session, terminalId, shellSize),
      this.deps.config.SCROLLBACK_CHARS,
      this.deps.log.child({ session: session.id }),
      this.deps.journal?.terminal(session, terminalId, size.since),
    );
    session.terminals.set(terminalId, terminal);
    try {
      await terminal.start(size);
    } catch (error) {
      session.terminals.delete(terminalId);
      throw error;
    }
    return terminal;
  }

  /** The main terminal's first shell is the one opened with the sandbox (its prompt is already there); later ones are new. */
  private async openShell(session: Session, terminalId: string, size: { cols: number; rows: number }): Promise<ShellStream> {
    const warm = terminalId === 'main' ? session.warmShell : undefined;
    session.warmShell = undefined;
    if (warm && !warm.stream.destroyed && !warm.stream.readableEnded) {
      // Its prompt is waiting: the page gets it now, the size follows (a Docker call) in the background.
      void warm.resize(size.cols, size.rows).catch(() => undefined);
      return warm;
    }
    warm?.stream.destroy();
    return this.deps.driver.openShell(session.containerId, size);
  }

  /** Closes every shell of a session (the sandbox ends, or the engine stops). */
  closeAll(session: Session): void {
    for (const terminal of session.terminals.values()) terminal.close();
    session.warmShell?.stream.destroy();
    session.warmShell = undefined;
  }
}
