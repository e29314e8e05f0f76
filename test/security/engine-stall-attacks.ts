import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Attack } from './attacks.js';

/**
 * Attacks on the engine's own thread through what it runs in a sandbox: the learner owns every
 * binary there (a bind mount over /usr/bin/docker is enough), so the engine must bound what it reads.
 */
export const engineStallAttacks: Attack[] = [
  {
    id: 'exec-output-flood',
    title: "stall the engine with endless output from a command it runs in the sandbox (docker ps behind a bind mount)",
    async run({ attacker, url }) {
      // `docker ps` (what the port list runs) prints 4 KB lines without end; everything else works.
      await attacker.run(
        [
          "printf '#!/bin/sh\\n[ \"$1\" = ps ] && exec yes $(head -c 4000 /dev/zero | tr \"\\\\0\" a)\\nexec /tmp/docker.real \"$@\"\\n' > /tmp/docker.wrap",
          'chmod +x /tmp/docker.wrap; cp /usr/bin/docker /tmp/docker.real; mount --bind /tmp/docker.wrap /usr/bin/docker',
        ].join('; '),
      );
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const started = Date.now();
      try {
        const key = attacker.learner.learnerKey;
        const answers = await Promise.all(
          [1, 2, 3].map(() =>
            fetch(new URL(`/api/workspace/${attacker.learner.lesson}/ports`, url), { headers: { 'x-dockyard-learner': key }, signal: AbortSignal.timeout(60_000) })
              .then((response) => response.status)
              .catch((error: Error) => error.name),
          ),
        );
        delay.disable();
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        // The engine stops reading at once; the command itself ends by the exec's own timeout (10 s + 2).
        const { output } = await attacker.run('umount /usr/bin/docker; for i in $(seq 1 30); do pgrep -x yes >/dev/null || break; sleep 0.5; done; pgrep -c -x yes || true', 90_000);
        const floods = Number(/^(\d+)\s*$/m.exec(output)?.[1] ?? NaN);
        const worstMs = Math.round(delay.max / 1e6);
        // A thread held by the flood stalls for seconds (11.9 s before the bound); a healthy one for milliseconds.
        return {
          succeeded: worstMs > 2000 || floods !== 0,
          evidence: `3 port listings answered ${answers.join(', ')} in ${seconds} s; the engine's event loop was held at most ${worstMs} ms; flooding commands still running 15 s later: ${floods}`,
        };
      } finally {
        delay.disable();
        await attacker.run('umount /usr/bin/docker 2>/dev/null; pkill -x yes; rm -f /tmp/docker.wrap /tmp/docker.real');
      }
    },
  },
];
