import type { HistoryChecker } from '../contracts/checker.js';
import { failed, passed, type CheckVerdict } from './check-verdict.js';
import { commandLabel } from './command-checker.js';
import { compilePattern } from './compile-pattern.js';
import { DEFAULT_CHECK_TIMEOUT_MS } from '../contracts/checker.js';
import type { SandboxShell } from './sandbox-shell.js';

/** The sandbox shell appends each command here as the next prompt shows (PROMPT_COMMAND='history -a'). */
export const HISTORY_FILE = '/root/.bash_history';

/** The newest lines of the history; nothing (and exit 0) before the learner typed anything. */
export const READ_HISTORY_COMMAND = `tail -n 5000 ${HISTORY_FILE} 2>/dev/null || true`;

/** The most recent command in `history` matching `pattern`, skipping `#1700000000` timestamp lines. */
export function findHistoryCommand(history: string, pattern: string): string | undefined {
  const regex = compilePattern(pattern);
  const commands = history
    .split('\n')
    .map((line) => line.replace(/\r$/, '').trim())
    .filter((line) => line !== '' && !/^#\d+$/.test(line));
  return commands.findLast((command) => regex.test(command));
}

export function judgeHistory(checker: HistoryChecker, history: string): CheckVerdict {
  const command = findHistoryCommand(history, checker.pattern);
  if (command !== undefined) return passed(`You ran \`${commandLabel(command)}\``);
  return failed(checker, `Run a command matching /${checker.pattern}/ in the terminal first`);
}

export async function evaluateHistoryChecker(
  checker: HistoryChecker,
  shell: SandboxShell,
  signal: AbortSignal,
  timeoutMs = checker.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
): Promise<CheckVerdict> {
  const result = await shell.run(READ_HISTORY_COMMAND, { timeoutMs, signal });
  return judgeHistory(checker, result.stdout);
}
