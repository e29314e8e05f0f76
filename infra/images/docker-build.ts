import { labelArgs } from '../lib/dockyard-labels.js';
import { runCommand, systemEnv } from '../../sandbox-engine/src/process/run-command.js';
import { secondsSince, startHeartbeat } from '../lib/start-heartbeat.js';

export interface DockerBuildOptions {
  contextDir: string;
  tags: string[];
  labels: Record<string, string>;
}

/**
 * `docker build` with the legacy builder (the only one Debian's docker.io has), logging one line per
 * Dockerfile step plus a heartbeat with the latest output line during long RUN steps. On failure
 * the error carries the last lines of output. Returns the image id.
 */
export async function dockerBuild(log: (line: string) => void, options: DockerBuildOptions): Promise<string> {
  const started = Date.now();
  let stepStarted = started;
  let last = '';
  let id = '';
  const args = ['build', '--force-rm', ...options.tags.flatMap((tag) => ['-t', tag]), ...labelArgs(options.labels)];
  const stop = startHeartbeat(log, 15_000, () => `    ... ${secondsSince(stepStarted)} s: ${last.slice(0, 100)}`);
  try {
    await runCommand('docker', [...args, options.contextDir], {
      env: systemEnv({ DOCKER_BUILDKIT: '0' }),
      onLine: (raw) => {
        // eslint-disable-next-line no-control-regex -- strips the ANSI colour codes docker prints
        const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
        const step = /^Step (\d+\/\d+) : (.*)$/.exec(line);
        if (step) {
          stepStarted = Date.now();
          log(`  step ${step[1]}: ${(step[2] ?? '').slice(0, 110)}`);
          return;
        }
        const built = /^Successfully built ([0-9a-f]+)$/.exec(line);
        if (built?.[1]) id = built[1];
        if (!/^( ---> |Removing intermediate container|Sending build context|DEPRECATED|\s+(Install the buildx|BuildKit is currently|Environment-variable))/.test(line)) {
          last = line.trim();
        }
      },
    });
  } finally {
    stop();
  }
  if (!id) throw new Error(`docker build of ${options.contextDir} printed no image id`);
  log(`  built ${options.tags[0] ?? id} in ${secondsSince(started)} s`);
  return id;
}
