import { z } from 'zod';
import { outputTail } from './output-tail.js';
import { shellQuote } from '../process/shell-quote.js';
import type { ShellResult } from './sandbox-shell.js';
import { parseHttpProbeOutput } from './port-probe.js';
import { INNER_DOCKER_SOCKET } from '../contracts/sandbox-image.js';

const portBindingsSchema = z
  .record(z.array(z.object({ HostIp: z.string().optional(), HostPort: z.string().optional() })).nullable())
  .nullable()
  .optional();

/** The part of a container's inspect (GET /containers/{name}/json) the checkers read (Docker 20.10 shapes). */
export const containerInspectSchema = z.object({
  /** "/db": Docker prefixes names with a slash. */
  Name: z.string(),
  State: z.object({ Status: z.string(), ExitCode: z.number().optional() }),
  Config: z.object({
    /** The image as the learner typed it (postgres, postgres:15, an image id). */
    Image: z.string(),
    Env: z.array(z.string()).nullable().optional(),
    ExposedPorts: z.record(z.unknown()).nullable().optional(),
  }),
  HostConfig: z.object({ PortBindings: portBindingsSchema, PublishAllPorts: z.boolean().optional() }).optional(),
  /** Ports: {"5432/tcp": [{"HostIp": "0.0.0.0", "HostPort": "49153"}]} while running; {} when stopped. */
  NetworkSettings: z.object({ Ports: portBindingsSchema }).optional(),
});
export type ContainerInspect = z.infer<typeof containerInspectSchema>;

/**
 * Asks the sandbox's daemon for the container named `name` (GET /containers/{name}/json, what
 * `docker inspect --type container` asks too) with curl, and prints the answer, then a line with the
 * HTTP status. The docker CLI costs ~120 ms of CPU to start in a sandbox, curl ~20 (test/bench/
 * check-shell.ts). `-q` first: the learner's ~/.curlrc is not read; `--path-as-is`: a name such as
 * "." stays in the path instead of turning the request into another one.
 */
export function inspectContainerCommand(name: string, seconds: number): string {
  const url = `http://docker/containers/${encodeURIComponent(name)}/json`;
  return `curl -q -sS --path-as-is --max-time ${seconds} --unix-socket ${INNER_DOCKER_SOCKET} -o - -w '\\n%{http_code}' ${shellQuote(url)}`;
}

/**
 * The container named `name`, or undefined when there is none. The daemon also finds a container by
 * an id prefix, so "db" can find a container whose id starts with db: only an exact name counts.
 * Throws when the daemon could not be reached or answered something unexpected.
 */
export function readContainerInspect(name: string, result: ShellResult): ContainerInspect | undefined {
  if (result.exitCode !== 0) {
    const why =
      result.exitCode === 7
        ? 'the Docker daemon in the sandbox is not answering'
        : result.exitCode === 28
          ? 'the Docker daemon in the sandbox did not answer in time'
          : `curl exited with ${result.exitCode}`;
    throw new Error(`Inspecting ${name} failed: ${why}: ${outputTail(result.stderr || result.stdout)}`);
  }
  const { status, body } = parseHttpProbeOutput(result.stdout);
  if (status === 404) return undefined;
  if (status !== 200) throw new Error(`Inspecting ${name} failed: the sandbox's Docker daemon answered ${status}: ${outputTail(body)}`);
  const container = containerInspectSchema.parse(JSON.parse(body));
  return container.Name === `/${name}` ? container : undefined;
}

function isIpv6(hostIp: string | undefined): boolean {
  return hostIp?.includes(':') ?? false;
}

/** The host port `containerPort`/tcp is published on right now (IPv4 binding first), if any. */
export function publishedHostPort(container: ContainerInspect, containerPort: number): number | undefined {
  const bindings = (container.NetworkSettings?.Ports?.[`${containerPort}/tcp`] ?? []).filter((b) => b.HostPort);
  const binding = bindings.find((b) => !isIpv6(b.HostIp)) ?? bindings[0];
  return binding ? Number(binding.HostPort) : undefined;
}

/**
 * Whether `containerPort`/tcp has a host binding. A stopped container keeps its bindings only in
 * its configuration (`-p 5432:5432` in PortBindings, `-P` as PublishAllPorts of exposed ports).
 */
export function isPortPublished(container: ContainerInspect, containerPort: number): boolean {
  if (publishedHostPort(container, containerPort) !== undefined) return true;
  if (container.State.Status === 'running') return false;
  const key = `${containerPort}/tcp`;
  if ((container.HostConfig?.PortBindings?.[key] ?? []).length > 0) return true;
  return Boolean(container.HostConfig?.PublishAllPorts && container.Config.ExposedPorts && key in container.Config.ExposedPorts);
}

/** "db exists but is exited (expected running); it stopped with exit code 1". */
export function notRunningProblem(name: string, container: ContainerInspect): string {
  const { Status, ExitCode } = container.State;
  const exit = Status === 'exited' && ExitCode !== undefined ? `; it stopped with exit code ${ExitCode}` : '';
  return `${name} exists but is ${Status} (expected running)${exit}`;
}
