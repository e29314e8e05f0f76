import { oneOffSandboxShell } from '../checkers/one-off-sandbox-shell.js';
import { PersistentSandboxShell } from '../checkers/persistent-sandbox-shell.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import type { Session } from './session.js';

export interface SessionCheckShellsDeps {
  driver: Pick<SandboxDriver, 'exec' | 'openPipe'>;
  log: Logger;
}

/** The shells step checkers run commands in: one long-lived check shell per live session, closed when it ends. */
export class SessionCheckShells {
  constructor(private readonly deps: SessionCheckShellsDeps) {}

  /** The session's check shell, made on first use (a one-off exec per command once the session ended). */
  for(session: Session): SandboxShell {
    const { driver, log } = this.deps;
    if (session.checkShell && !session.ended) return session.checkShell;
    const oneOff = oneOffSandboxShell(driver, session.containerId);
    if (session.ended) return oneOff;
    session.checkShell = new PersistentSandboxShell({ driver, containerId: session.containerId, fallback: oneOff, log: log.child({ session: session.id }) });
    return session.checkShell;
  }

  /** Ends the session's check shell (its pending runs reject). */
  close(session: Session): void {
    session.checkShell?.close();
  }
}
