import type { TestLearner } from '../support/test-learner.js';
import { measureKeystrokeEcho, waitQuiet, type KeyTarget } from './keystroke-echo.js';
import { ms, percentile } from './percentile.js';

export interface EchoStats {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface EchoComparison {
  /** Browser path without the browser: socket.io client → engine → exec stream → bash, and back. */
  socket: EchoStats;
  /** `docker exec -it` into the same sandbox: this process → Docker daemon → bash, and back. */
  dockerExec: EchoStats;
  /** What the engine and socket.io add: socket − docker exec. */
  addedP50Ms: number;
  addedP99Ms: number;
}

const stats = (samples: number[]): EchoStats => ({
  samples: samples.length,
  p50Ms: ms(percentile(samples, 50)),
  p99Ms: ms(percentile(samples, 99)),
  maxMs: ms(Math.max(0, ...samples)),
});

/** The learner's main terminal as a KeyTarget: input as terminal:input, output as terminal:output events. */
export function socketKeyTarget(learner: TestLearner): KeyTarget {
  const socket = learner.socket!;
  return {
    write: (data) => learner.type(data),
    onOutput(listener) {
      const onOutput = ({ terminalId, data }: { terminalId: string; data: string }) => {
        if (terminalId === 'main') listener(data);
      };
      socket.on('terminal:output', onOutput);
      return () => socket.off('terminal:output', onOutput);
    },
  };
}

/**
 * Keystroke → echo through both paths into shells of the same sandbox, in alternating blocks
 * (so both see the same moment of the machine), at least `keystrokes` each.
 */
export async function compareEcho(socket: KeyTarget, dockerExec: KeyTarget, keystrokes = 240, block = 20): Promise<EchoComparison> {
  const samples = { socket: [] as number[], dockerExec: [] as number[] };
  await Promise.all([waitQuiet(socket, 300), waitQuiet(dockerExec, 300)]);
  while (samples.socket.length < keystrokes || samples.dockerExec.length < keystrokes) {
    samples.socket.push(...(await measureKeystrokeEcho(socket, { count: block, intervalMs: 30, lineChars: block })));
    samples.dockerExec.push(...(await measureKeystrokeEcho(dockerExec, { count: block, intervalMs: 30, lineChars: block })));
  }
  const result = { socket: stats(samples.socket), dockerExec: stats(samples.dockerExec) };
  return {
    ...result,
    addedP50Ms: ms(result.socket.p50Ms - result.dockerExec.p50Ms),
    addedP99Ms: ms(result.socket.p99Ms - result.dockerExec.p99Ms),
  };
}
