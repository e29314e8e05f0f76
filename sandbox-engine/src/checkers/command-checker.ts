import type { CommandChecker } from '../contracts/checker.js';
import { failed, passed, type CheckVerdict } from './check-verdict.js';
import { compilePattern } from './compile-pattern.js';
import { DEFAULT_CHECK_TIMEOUT_MS } from '../contracts/checker.js';
import { joinOutput, outputTail } from './output-tail.js';
import type { SandboxShell, ShellResult } from './sandbox-shell.js';

/** The command as shown to the learner: one line, not too long. */
export function commandLabel(run: string, maxChars = 80): string {
  const oneLine = run.trim().replace(/\s+/g, ' ');
  return oneLine.length <= maxChars ? oneLine : `${oneLine.slice(0, maxChars - 1)}…`;
}

/** Passes when the exit code is the expected one and, if a pattern is given, stdout matches it. */
export function judgeCommand(checker: CommandChecker, result: ShellResult): CheckVerdict {
  const label = `\`${commandLabel(checker.run)}\``;
  const problems: string[] = [];
  if (result.exitCode !== checker.exitCode) {
    problems.push(`${label} exited with code ${result.exitCode}, expected ${checker.exitCode}`);
  }
  if (checker.stdout !== undefined && !compilePattern(checker.stdout).test(result.stdout)) {
    problems.push(`the output of ${label} does not match /${checker.stdout}/`);
  }
  if (problems.length === 0) return passed(`${label} succeeded`);
  const output = outputTail(joinOutput(result));
  return failed(checker, problems.join('; '), output ? `Last output:\n${output}` : 'It printed nothing.');
}

export async function evaluateCommandChecker(
  checker: CommandChecker,
  shell: SandboxShell,
  signal: AbortSignal,
  timeoutMs = checker.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
): Promise<CheckVerdict> {
  return judgeCommand(checker, await shell.run(checker.run, { timeoutMs, signal }));
}
