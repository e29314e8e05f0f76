import type { StartedSandbox } from './sandbox-provisioner.js';
import { claimIndex } from './warm-pool-policy.js';

export interface ReadySandbox {
  sandbox: StartedSandbox;
  readyAt: number;
}

/**
 * The warm pool's ready sandboxes, per lesson in the order they became ready. A sandbox taken out
 * (claimed, retired, found dead) is gone from here at once, so it can be taken only once.
 */
export class ReadySandboxes {
  private readonly byLesson = new Map<string, ReadySandbox[]>();

  add(lesson: string, sandbox: StartedSandbox, readyAt: number): void {
    this.byLesson.set(lesson, [...(this.byLesson.get(lesson) ?? []), { sandbox, readyAt }]);
  }

  /** The one a learner of the lesson gets (warm-pool-policy.ts claimIndex), out of the pool. */
  claim(lesson: string): ReadySandbox | undefined {
    const list = this.byLesson.get(lesson) ?? [];
    const index = claimIndex(list.map((entry) => entry.readyAt));
    if (index === undefined) return undefined;
    return list.splice(index, 1)[0];
  }

  /** The lesson's sandbox that was ready last, out of the pool (the one ready longest stays for the next claim). */
  takeNewest(lesson: string): ReadySandbox | undefined {
    return this.byLesson.get(lesson)?.pop();
  }

  /** Takes out every ready sandbox whose container is not among `running`, and returns them with their lesson. */
  takeDead(running: Set<string>): { lesson: string; entry: ReadySandbox }[] {
    const dead: { lesson: string; entry: ReadySandbox }[] = [];
    for (const [lesson, list] of this.byLesson) {
      for (const entry of [...list]) {
        if (running.has(entry.sandbox.containerId)) continue;
        list.splice(list.indexOf(entry), 1);
        dead.push({ lesson, entry });
      }
    }
    return dead;
  }

  count(lesson?: string): number {
    if (lesson !== undefined) return this.byLesson.get(lesson)?.length ?? 0;
    let count = 0;
    for (const list of this.byLesson.values()) count += list.length;
    return count;
  }

  /** Lessons that have (or had) ready sandboxes. */
  lessons(): string[] {
    return [...this.byLesson.keys()];
  }

  /** Closes every ready sandbox's shell (the sandboxes stay). */
  closeShells(): void {
    for (const list of this.byLesson.values()) {
      for (const { sandbox } of list) {
        sandbox.shell?.stream.destroy();
        sandbox.shell = undefined;
      }
    }
  }
}
