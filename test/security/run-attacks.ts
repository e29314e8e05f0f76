import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { attacks, type AttackContext, type AttackResult } from './attacks.js';
import { LearnerTerminal } from './learner-terminal.js';
import { SandboxOnHost } from './sandbox-on-host.js';

export const LESSON = 'postgres-in-a-container';

/** Small limits, so the limit attacks are quick: memory, pids and disk are the settings operators use. */
export const attackLimits = { SANDBOX_MEMORY_MB: '512', SANDBOX_PIDS: '300', SANDBOX_DISK_GB: '2', MAX_SANDBOXES: '4' };

export interface AttackBench extends AsyncDisposable {
  test: TestEngine;
  context: AttackContext;
}

/**
 * An engine listening on every interface (as `npm start` does), two learners in their real
 * terminals (the attacker, and a victim with a marker in /root and a server on port 7777), and a
 * TCP listener of the host's that counts connections.
 */
export async function openAttackBench(env: Record<string, string>): Promise<AttackBench> {
  const test = await startTestEngine({ ...attackLimits, HOST: '0.0.0.0', ...env });
  let accepted = 0;
  const listener: Server = createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
  const url = test.url.replace('0.0.0.0', '127.0.0.1').replace('localhost', '127.0.0.1');
  const opened: LearnerTerminal[] = [];
  try {
    const victim = await LearnerTerminal.open(url, LESSON);
    opened.push(victim.terminal);
    const attacker = await LearnerTerminal.open(url, LESSON);
    opened.push(attacker.terminal);
    const victimMarker = `victim-secret-${randomBytes(6).toString('hex')}`;
    await victim.terminal.run(`echo ${victimMarker} > /root/marker; sync`);
    // A server the victim runs in its sandbox, which the host (its preview) reaches and the attacker must not.
    await victim.terminal.run(
      `nohup perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalPort=>7777,Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){print $c "victim\\n"; close $c}' >/dev/null 2>&1 &`,
    );
    const session = (id: string) => test.engine.sessions.get(id)!;
    const context: AttackContext = {
      engine: test.engine,
      url,
      attacker: attacker.terminal,
      attackerHost: await SandboxOnHost.of(test.engine, session(attacker.sessionId)),
      victim: victim.terminal,
      victimHost: await SandboxOnHost.of(test.engine, session(victim.sessionId)),
      hostListener: { port: (listener.address() as { port: number }).port, accepted: () => accepted },
      victimMarker,
    };
    return {
      test,
      context,
      async [Symbol.asyncDispose]() {
        for (const terminal of opened) terminal.close();
        listener.close();
        await test[Symbol.asyncDispose]();
      },
    };
  } catch (error) {
    for (const terminal of opened) terminal.close();
    listener.close();
    await test[Symbol.asyncDispose]();
    throw error;
  }
}

/** Runs every attack, each to its end; an attack that throws counts as not proven blocked. */
export async function runAllAttacks(context: AttackContext): Promise<Array<{ id: string; title: string } & AttackResult>> {
  const results = [];
  for (const attack of attacks) {
    const result = await attack.run(context).catch((error: Error) => ({ succeeded: true, evidence: `the attack could not be judged: ${error.message}` }));
    results.push({ id: attack.id, title: attack.title, ...result });
  }
  return results;
}
