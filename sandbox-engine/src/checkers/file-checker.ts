import path from 'node:path';
import type { FileChecker } from '../contracts/checker.js';
import { WORKDIR } from '../contracts/workspace.js';
import { failed, passed, type CheckVerdict } from './check-verdict.js';
import { compilePattern } from './compile-pattern.js';
import { DEFAULT_CHECK_TIMEOUT_MS } from '../contracts/checker.js';
import type { SandboxShell } from './sandbox-shell.js';
import { shellQuote } from '../process/shell-quote.js';

/** Largest file content a check reads (the tail beyond it is ignored). */
const MAX_READ_BYTES = 1024 * 1024;

export const resolveCheckedPath = (file: string) => path.posix.resolve(WORKDIR, file);

/** Prints "missing", or "file" then the first MAX_READ_BYTES of the content. */
export const readFileCommand = (absolute: string) =>
  `if [ -f ${shellQuote(absolute)} ]; then echo file; head -c ${MAX_READ_BYTES} -- ${shellQuote(absolute)}; ` +
  `elif [ -e ${shellQuote(absolute)} ]; then echo other; else echo missing; fi`;

export function judgeFile(checker: FileChecker, output: string): CheckVerdict {
  const newline = output.indexOf('\n');
  const kind = newline === -1 ? output.trim() : output.slice(0, newline);
  const content = newline === -1 ? '' : output.slice(newline + 1);
  const shown = checker.path;
  if (!checker.exists) {
    return kind === 'missing' ? passed(`${shown} does not exist`) : failed(checker, `${shown} still exists`);
  }
  if (kind === 'missing') return failed(checker, `There is no file ${shown} yet`);
  if (kind !== 'file') return failed(checker, `${shown} exists but is not a regular file`);
  if (checker.content !== undefined && !compilePattern(checker.content).test(content)) {
    return failed(checker, `${shown} does not contain what this step asks for (expected a match of /${checker.content}/)`);
  }
  return passed(checker.content !== undefined ? `${shown} has the expected content` : `${shown} exists`);
}

export async function evaluateFileChecker(
  checker: FileChecker,
  shell: SandboxShell,
  signal: AbortSignal,
  timeoutMs = checker.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
): Promise<CheckVerdict> {
  const result = await shell.run(readFileCommand(resolveCheckedPath(checker.path)), { timeoutMs, signal });
  return judgeFile(checker, result.stdout);
}
