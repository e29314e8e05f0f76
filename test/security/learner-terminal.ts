import { TestLearner } from '../support/test-learner.js';

let counter = 0;

/**
 * A learner's real terminal (HTTP session, socket.io, the shell in their sandbox): what an attacker
 * has. `run` types a command line and returns what the terminal printed for it and its exit code.
 */
export class LearnerTerminal {
  private constructor(readonly learner: TestLearner) {}

  static async open(baseUrl: string, lesson: string): Promise<{ terminal: LearnerTerminal; sessionId: string }> {
    const learner = new TestLearner(baseUrl, lesson);
    const created = await learner.startSession();
    if (created.status !== 201 || !created.body.data) throw new Error(`no session: ${JSON.stringify(created.body)}`);
    await learner.connect();
    await learner.attach(0);
    await learner.waitForOutput(/root@sandbox[^\n]*[#$] $/m, 60_000);
    return { terminal: new LearnerTerminal(learner), sessionId: created.body.data.sessionId };
  }

  /** Types `command` and waits for it to finish; the marker is printed only by the shell, never echoed as typed. */
  async run(command: string, timeoutMs = 60_000): Promise<{ output: string; exitCode: number }> {
    const id = ++counter;
    const start = this.learner.output.length;
    this.learner.type(`{ ${command}\n} 2>&1; echo "@@done-$((${id}*1))@@ $?"\r`);
    const done = new RegExp(`@@done-${id}@@ (\\d+)`);
    await this.learner.waitForOutput(done, timeoutMs);
    const output = this.learner.output.slice(start);
    return { output, exitCode: Number(done.exec(output)![1]) };
  }

  close(): void {
    this.learner.disconnect();
  }
}
