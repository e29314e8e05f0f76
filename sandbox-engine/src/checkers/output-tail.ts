/**
 * The end of some command output, at most about `maxChars` long, cut at a line start when it can
 * be: what a learner needs to see of a failure (the error is usually last).
 */
export function outputTail(text: string, maxChars = 300): string {
  const trimmed = text.replaceAll('\r', '').trimEnd();
  if (trimmed.length <= maxChars) return trimmed;
  const cut = trimmed.slice(-maxChars);
  const lineStart = cut.indexOf('\n');
  return `…${lineStart >= 0 && lineStart < cut.length - 1 ? cut.slice(lineStart + 1) : cut}`;
}

/** Standard output then standard error, without empty parts. */
export function joinOutput(result: { stdout: string; stderr: string }): string {
  return [result.stdout.trimEnd(), result.stderr.trimEnd()].filter(Boolean).join('\n');
}
