/** A zod issue path as a lesson author reads it: ['steps', 2, 'checks', 0, 'kind'] → steps[2].checks[0].kind. */
export function formatIssuePath(path: ReadonlyArray<string | number>): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) text += text ? `.${part}` : part;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text || 'frontmatter';
}
