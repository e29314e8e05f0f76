import type { ContainerChecker } from '../contracts/checker.js';
import { failed, passed, type CheckVerdict } from './check-verdict.js';
import {
  inspectContainerCommand,
  isPortPublished,
  notRunningProblem,
  readContainerInspect,
  type ContainerInspect,
} from './container-inspect.js';
import { DEFAULT_CHECK_TIMEOUT_MS } from '../contracts/checker.js';
import { sameImageRef } from './image-ref.js';
import { probeSeconds } from './port-probe.js';
import type { SandboxShell } from './sandbox-shell.js';

/** What is wrong with the container against the checker, one sentence each; empty when nothing. */
export function containerProblems(checker: ContainerChecker, container: ContainerInspect): string[] {
  const { name } = checker;
  const status = container.State.Status;
  const problems: string[] = [];
  if (checker.state === 'running' && status !== 'running') {
    problems.push(notRunningProblem(name, container));
  }
  if (checker.state === 'exited' && status !== 'exited') {
    problems.push(`${name} exists but is ${status} (expected exited)`);
  }
  if (checker.image !== undefined && !sameImageRef(container.Config.Image, checker.image)) {
    problems.push(`${name} was created from ${container.Config.Image}, expected ${checker.image}`);
  }
  for (const [key, value] of Object.entries(checker.env ?? {})) {
    const actual = envValue(container.Config.Env ?? [], key);
    if (actual === undefined) problems.push(`${name} has no ${key}=${value}`);
    else if (actual !== value) problems.push(`${name} has ${key}=${actual}, expected ${key}=${value}`);
  }
  for (const port of checker.publishedPorts ?? []) {
    if (!isPortPublished(container, port)) problems.push(`port ${port} of ${name} is not published`);
  }
  return problems;
}

function envValue(env: string[], key: string): string | undefined {
  const entry = env.findLast((line) => line.startsWith(`${key}=`));
  return entry?.slice(key.length + 1);
}

/** The decision, from `docker inspect` of the container (undefined: there is no such container). */
export function judgeContainer(checker: ContainerChecker, container: ContainerInspect | undefined): CheckVerdict {
  const { name } = checker;
  if (container === undefined) {
    return checker.state === 'absent' ? passed(`No container named ${name} exists`) : failed(checker, `No container named ${name} exists yet`);
  }
  if (checker.state === 'absent') {
    return failed(checker, `A container named ${name} still exists (it is ${container.State.Status}); expected it to be removed`);
  }
  const problems = containerProblems(checker, container);
  if (problems.length > 0) return failed(checker, problems.join('\n'));
  return passed(`${name} is ${container.State.Status}, created from ${container.Config.Image}`);
}

export async function evaluateContainerChecker(
  checker: ContainerChecker,
  shell: SandboxShell,
  signal: AbortSignal,
  timeoutMs = checker.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
): Promise<CheckVerdict> {
  const result = await shell.run(inspectContainerCommand(checker.name, probeSeconds(timeoutMs)), { timeoutMs, signal });
  return judgeContainer(checker, readContainerInspect(checker.name, result));
}
