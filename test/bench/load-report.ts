import type { HostSample, HostSampler } from './host-sampler.js';
import { ms, percentile } from './percentile.js';
import type { LearnerReport } from './simulated-learner.js';

export interface LoadRunFacts {
  learners: number;
  arrivalMs: number;
  thinkMs: number;
  maxSeconds: number;
  lesson: string;
  url: string;
  ownEngine: boolean;
  engineSettings: Record<string, string>;
  startedAt: number;
  /** When the last learner finished (or the time ran out). */
  learnersDoneAt: number;
  timedOut: boolean;
  /** Other containers on the sandbox daemon (other engineers' tests) at the start and end. */
  otherSandboxes: { start: number; end: number };
  /** The warm pool the learners came to (WARM_POOL_SIZE; off when unset). */
  warmPool: { size: string; readyAtStart: number; fillMs: number };
  cleanup: { engineStop: string; leftContainers: number; leftCgroups: number; leftClones: number; leftMounts: number };
}

const mib = (value: number) => Math.round(value);
const pct = (values: number[]) => ({ p50: ms(percentile(values, 50)), p95: ms(percentile(values, 95)), max: ms(Math.max(0, ...values)) });

/** The samples taken while learners were running. */
function during(sampler: HostSampler, from: number, to: number): HostSample[] {
  const inside = sampler.samples.filter((sample) => sample.at >= from && sample.at <= to);
  return inside.length > 0 ? inside : sampler.samples;
}

/** The run in one JSON object: what `npm run load` prints last and writes to test-results/. */
export function loadReport(reports: LearnerReport[], sampler: HostSampler, facts: LoadRunFacts) {
  const done = reports.filter((report) => report.phase === 'done');
  const failed = reports.filter((report) => report.phase !== 'done');
  const ready = reports.flatMap((report) => (report.shellReadyMs === undefined ? [] : [report.shellReadyMs]));
  const checks = reports.flatMap((report) => report.steps.map((step) => step.checkMs));
  const serverChecks = reports.flatMap((report) => report.steps.map((step) => step.serverCheckMs));
  const echoes = reports.flatMap((report) => report.echoMs);
  const stepIds = [...new Set(reports.flatMap((report) => report.steps.map((step) => step.stepId)))];
  const byStep = Object.fromEntries(
    stepIds.map((id) => {
      const steps = reports.flatMap((report) => report.steps.filter((step) => step.stepId === id));
      return [id, { solutionMs: pct(steps.map((step) => step.solutionMs)), checkMs: pct(steps.map((step) => step.checkMs)), serverCheckMs: pct(steps.map((step) => step.serverCheckMs)) }];
    }),
  );
  const window = during(sampler, facts.startedAt, facts.learnersDoneAt);
  const first = sampler.samples[0]!;
  const last = sampler.samples.at(-1)!;
  const peakHost = sampler.peak('hostMemoryMiB');
  const peakSandboxes = sampler.peak('sandboxes');
  const peakSandboxMemory = sampler.peak('sandboxMemoryMiB');
  const engineCpuSeconds = last.engineCpuSeconds - first.engineCpuSeconds;
  const daemonCpuSeconds = last.daemonCpuSeconds - first.daemonCpuSeconds;
  const learnersSeconds = (facts.learnersDoneAt - facts.startedAt) / 1000;
  const failureReasons = new Map<string, number>();
  for (const report of failed) {
    const reason = (report.failure ?? `unfinished (${report.phase})`).replace(/\s*\n\s*/g, ' | ').slice(0, 300);
    failureReasons.set(reason, (failureReasons.get(reason) ?? 0) + 1);
  }
  return {
    learners: facts.learners,
    completed: done.length,
    /** Learners who did not finish the lesson, those who never arrived (time ran out) included. */
    failures: failed.length + (facts.learners - reports.length),
    shellReadyP50Ms: ms(percentile(ready, 50)),
    shellReadyP95Ms: ms(percentile(ready, 95)),
    checkP50Ms: ms(percentile(checks, 50)),
    checkP95Ms: ms(percentile(checks, 95)),
    echoP50Ms: ms(percentile(echoes, 50)),
    echoP99Ms: ms(percentile(echoes, 99)),
    hostMemoryMiB: mib(peakHost.hostMemoryMiB),
    engineRssMiB: mib(sampler.peak('engineRssMiB').engineRssMiB),
    peakConcurrentSandboxes: peakSandboxes.sandboxes,
    sandboxMemoryPeakMiB: mib(peakSandboxMemory.sandboxMemoryMiB),
    sandboxRssPeakMiB: mib(sampler.peak('sandboxRssMiB').sandboxRssMiB),
    sandboxMemoryPerLearnerMiB: peakSandboxMemory.sandboxes > 0 ? mib(peakSandboxMemory.sandboxMemoryMiB / peakSandboxMemory.sandboxes) : 0,
    hostMemoryBaselineMiB: mib(first.hostMemoryMiB),
    hostMemoryTotalMiB: mib(sampler.memoryTotalMiB),
    cores: sampler.cores,
    cpu: {
      hostBusyAvgPct: Math.round((100 * window.reduce((sum, sample) => sum + sample.hostCpuBusy, 0)) / window.length),
      hostBusyPeakPct: Math.round(100 * Math.max(...window.map((sample) => sample.hostCpuBusy))),
      engineCpuSeconds: Math.round(engineCpuSeconds * 10) / 10,
      sandboxCpuSeconds: Math.round(last.sandboxCpuSeconds * 10) / 10,
      /** The sandbox Docker daemon and its containerd (runc and shims not included). */
      sandboxDaemonCpuSeconds: Math.round(daemonCpuSeconds * 10) / 10,
      /** CPU (engine + sandbox daemon + sandboxes) per learner who arrived. */
      cpuSecondsPerLearner: reports.length > 0 ? Math.round(((engineCpuSeconds + daemonCpuSeconds + last.sandboxCpuSeconds) / reports.length) * 10) / 10 : 0,
    },
    loadAverage: { start: Math.round(first.load1 * 100) / 100, peak: Math.round(Math.max(...window.map((sample) => sample.load1)) * 100) / 100, end: Math.round(last.load1 * 100) / 100 },
    phases: {
      queuedMs: pct(reports.flatMap((report) => (report.queuedMs === undefined ? [] : [report.queuedMs]))),
      sessionRequestMs: pct(reports.flatMap((report) => (report.sessionRequestMs === undefined ? [] : [report.sessionRequestMs]))),
      connectMs: pct(reports.flatMap((report) => (report.connectMs === undefined ? [] : [report.connectMs]))),
      shellReadyMs: pct(ready),
      lessonMs: pct(done.map((report) => report.lessonMs!)),
      checkMs: pct(checks),
      serverCheckMs: pct(serverChecks),
      byStep,
    },
    echo: { samples: echoes.length, p50Ms: ms(percentile(echoes, 50)), p90Ms: ms(percentile(echoes, 90)), p99Ms: ms(percentile(echoes, 99)), maxMs: ms(Math.max(0, ...echoes)) },
    failureReasons: Object.fromEntries(failureReasons),
    run: {
      lesson: facts.lesson,
      arrivalMs: facts.arrivalMs,
      thinkMs: facts.thinkMs,
      maxSeconds: facts.maxSeconds,
      timedOut: facts.timedOut,
      learnersSeconds: Math.round(learnersSeconds),
      ownEngine: facts.ownEngine,
      url: facts.url,
      engineSettings: facts.engineSettings,
      otherSandboxes: facts.otherSandboxes,
      warmPool: facts.warmPool,
      cleanup: facts.cleanup,
      at: new Date(facts.startedAt).toISOString(),
    },
  };
}
