import type Docker from 'dockerode';
import { followDockerProgress } from '../lib/follow-docker-progress.js';
import { hostDocker, splitRef } from '../lib/host-docker.js';
import { secondsSince, startHeartbeat } from '../lib/start-heartbeat.js';
import { tarContext } from './tar-context.js';

export interface DockerBuildOptions {
  contextDir: string;
  /** The first is given to the build, the others are tagged after it. */
  tags: string[];
  labels: Record<string, string>;
}

/** Builder lines that say nothing about the step's work. */
const NOISE = /^( ---> |Removing intermediate container|Successfully (built|tagged) )/;
/** How many lines of a step's output a failure shows. */
const TAIL_LINES = 20;
// eslint-disable-next-line no-control-regex -- strips the ANSI colour codes some build steps print
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/**
 * Builds an image through the engine's build API (the legacy builder, the only one Debian's
 * docker.io has) from `contextDir` sent as a tar stream. Logs one line per Dockerfile step plus a
 * heartbeat with the step's latest output line during long RUN steps. A failing step rejects with
 * the engine's message and the last lines of that step's output. Returns the image id (sha256:…).
 */
export async function dockerBuild(log: (line: string) => void, options: DockerBuildOptions, docker: Docker = hostDocker()): Promise<string> {
  const [ref, ...aliases] = options.tags;
  if (!ref) throw new Error(`docker build of ${options.contextDir}: no tag given`);
  const started = Date.now();
  let stepStarted = started;
  let step = '';
  let stepOutput: string[] = [];
  let partial = '';
  let id: string | undefined;

  const onLine = (raw: string) => {
    const line = raw.replace(ANSI, '').trimEnd();
    const stepLine = /^Step (\d+\/\d+) : (.*)$/.exec(line);
    if (stepLine) {
      step = `${stepLine[1]}: ${(stepLine[2] ?? '').slice(0, 110)}`;
      stepStarted = Date.now();
      stepOutput = [];
      log(`  step ${step}`);
      return;
    }
    if (line.trim() === '' || NOISE.test(line)) return;
    stepOutput.push(line);
    if (stepOutput.length > TAIL_LINES) stepOutput.shift();
  };
  // The builder's text arrives in pieces that do not follow line ends (a step title and its "\n" apart).
  const onText = (text: string) => {
    const lines = (partial + text).split(/\r\n|\r|\n/);
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };

  const context = tarContext(options.contextDir);
  const abort = new AbortController();
  let contextError: Error | undefined;
  context.on('error', (error: Error) => {
    contextError = error;
    abort.abort(error);
  });
  const stop = startHeartbeat(log, 15_000, () => `    ... ${secondsSince(stepStarted)} s: ${(stepOutput.at(-1) ?? '').trim().slice(0, 100)}`);
  try {
    const stream = await docker.buildImage(context, { t: ref, labels: options.labels, rm: true, forcerm: true, abortSignal: abort.signal });
    await followDockerProgress(stream, (event) => {
      if (event.stream !== undefined) onText(event.stream);
      if (event.aux?.ID) id = event.aux.ID;
    });
  } catch (error) {
    onLine(partial);
    const reason = contextError?.message ?? (error instanceof Error ? error.message : String(error));
    const output = stepOutput.length > 0 ? `\n  last lines of the step's output:\n${stepOutput.map((line) => `    ${line}`).join('\n')}` : '';
    throw new Error(`docker build of ${options.contextDir} failed${step ? ` at step ${step}` : ''}: ${reason.trim()}${output}`, { cause: error });
  } finally {
    stop();
  }
  if (!id) throw new Error(`docker build of ${options.contextDir} ended without an image id (the engine closed the stream early)`);
  for (const alias of aliases) await docker.getImage(id).tag(splitRef(alias));
  log(`  built ${ref} in ${secondsSince(started)} s`);
  return id;
}
