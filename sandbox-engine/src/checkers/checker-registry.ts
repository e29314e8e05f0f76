import type { Checker, CheckerKind } from '../contracts/checker.js';
import type { CheckVerdict } from './check-verdict.js';
import { evaluateCommandChecker } from './command-checker.js';
import { evaluateContainerChecker } from './container-checker.js';
import { evaluateFileChecker } from './file-checker.js';
import { evaluateHistoryChecker } from './history-checker.js';
import { evaluatePortChecker } from './port-checker.js';
import type { SandboxShell } from './sandbox-shell.js';

/**
 * Decides one check against a sandbox. `signal` aborts the work; `timeoutMs` is the budget the
 * caller enforces, passed on to shell commands (default: the checker's timeoutMs, else 10 s).
 */
export type CheckEvaluator<C extends Checker = Checker> = (
  checker: C,
  shell: SandboxShell,
  signal: AbortSignal,
  timeoutMs?: number,
) => Promise<CheckVerdict>;

/** One evaluator for every checker kind of the contract: a kind added there fails to compile here. */
export type CheckerRegistry = { [K in CheckerKind]: CheckEvaluator<Extract<Checker, { kind: K }>> };

export const checkerRegistry: CheckerRegistry = {
  container: evaluateContainerChecker,
  command: evaluateCommandChecker,
  port: evaluatePortChecker,
  history: evaluateHistoryChecker,
  file: evaluateFileChecker,
};

/** Evaluates `checker` with the evaluator of its kind. */
export const evaluateChecker: CheckEvaluator = (checker, shell, signal, timeoutMs) => {
  // TypeScript cannot tie checkerRegistry[checker.kind] to checker's own kind; the mapped type does.
  const evaluate = checkerRegistry[checker.kind] as CheckEvaluator | undefined;
  if (evaluate === undefined) return Promise.reject(new Error(`unknown checker kind "${String(checker.kind)}"`));
  return evaluate(checker, shell, signal, timeoutMs);
};
