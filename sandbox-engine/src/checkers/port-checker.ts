import type { PortChecker } from '../contracts/checker.js';
import { failed, passed, type CheckVerdict } from './check-verdict.js';
import { compilePattern } from './compile-pattern.js';
import {
  inspectContainerCommand,
  notRunningProblem,
  publishedHostPort,
  readContainerInspect,
  type ContainerInspect,
} from './container-inspect.js';
import { DEFAULT_CHECK_TIMEOUT_MS } from '../contracts/checker.js';
import { outputTail } from './output-tail.js';
import {
  httpProbeCommand,
  parseHttpProbeOutput,
  parseTcpProbeOutput,
  probeSeconds,
  tcpProbeCommand,
} from './port-probe.js';
import type { SandboxShell, ShellResult } from './sandbox-shell.js';

/** The sandbox host port to probe, and how to name it to the learner. */
export interface ProbeTarget {
  port: number;
  label: string;
}

/** The host port `containerPort` of the container is published on, or why there is none. */
export function resolvePublishedPort(
  name: string,
  containerPort: number,
  container: ContainerInspect | undefined,
): ProbeTarget | { problem: string } {
  if (container === undefined) return { problem: `No container named ${name} exists yet` };
  const port = publishedHostPort(container, containerPort);
  if (port !== undefined) return { port, label: `port ${containerPort} of ${name} (published on ${port})` };
  if (container.State.Status !== 'running') {
    return { problem: notRunningProblem(name, container) };
  }
  return { problem: `port ${containerPort} of ${name} is not published` };
}

/** The decision from the output of tcpProbeCommand. */
export function judgeTcp(checker: PortChecker, target: ProbeTarget, result: ShellResult, seconds: number): CheckVerdict {
  const code = parseTcpProbeOutput(result.stdout);
  if (code === 0) return passed(`${target.label} accepts connections`);
  if (code === 124) return failed(checker, `${target.label} did not accept a connection within ${seconds} s`);
  return failed(checker, `Nothing is listening on ${target.label}`);
}

/** The decision from the output of httpProbeCommand: status (default any 2xx or 3xx), then body. */
export function judgeHttp(checker: PortChecker, target: ProbeTarget, result: ShellResult, seconds: number): CheckVerdict {
  const request = `GET ${checker.path} on ${target.label}`;
  if (result.exitCode === 7) return failed(checker, `Nothing is listening on ${target.label}`);
  if (result.exitCode === 28) return failed(checker, `${request} got no answer within ${seconds} s`);
  if (result.exitCode !== 0) return failed(checker, `${request} got no HTTP answer`, outputTail(result.stderr));

  const { status, body } = parseHttpProbeOutput(result.stdout);
  const statusOk = checker.status !== undefined ? status === checker.status : status >= 200 && status < 400;
  const excerpt = outputTail(body);
  const shown = excerpt ? `It answered:\n${excerpt}` : 'The answer was empty.';
  if (!statusOk) {
    return failed(checker, `${request} answered ${status}, expected ${checker.status ?? 'a 2xx or 3xx status'}`, shown);
  }
  if (checker.body !== undefined && !compilePattern(checker.body).test(body)) {
    return failed(checker, `The answer to ${request} does not match /${checker.body}/`, shown);
  }
  return passed(`${request} answered ${status}`);
}

export async function evaluatePortChecker(
  checker: PortChecker,
  shell: SandboxShell,
  signal: AbortSignal,
  timeoutMs = checker.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
): Promise<CheckVerdict> {
  const options = { timeoutMs, signal };
  let target: ProbeTarget;
  if (checker.port !== undefined) {
    target = { port: checker.port, label: `port ${checker.port}` };
  } else {
    const { container: name, containerPort } = checker;
    if (name === undefined || containerPort === undefined) throw new Error('a port checker needs port, or container and containerPort');
    const inspect = readContainerInspect(name, await shell.run(inspectContainerCommand(name, probeSeconds(timeoutMs)), options));
    const resolved = resolvePublishedPort(name, containerPort, inspect);
    if ('problem' in resolved) return failed(checker, resolved.problem);
    target = resolved;
  }
  if (checker.protocol === 'tcp') {
    const seconds = probeSeconds(timeoutMs, 3);
    return judgeTcp(checker, target, await shell.run(tcpProbeCommand(target.port, seconds), options), seconds);
  }
  const seconds = probeSeconds(timeoutMs);
  return judgeHttp(checker, target, await shell.run(httpProbeCommand(target.port, checker.path, seconds), options), seconds);
}
