/** The YAML frontmatter and the MDX body of a lesson file, with the line each starts on. */
export interface LessonSourceParts {
  yaml: string;
  yamlFirstLine: number;
  body: string;
  bodyFirstLine: number;
}

/** Splits at the `---` lines that open the file and close the frontmatter; a string says what is wrong. */
export function splitFrontmatter(source: string): LessonSourceParts | string {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trimEnd() !== '---') return 'must start with a --- line opening the YAML frontmatter';
  const end = lines.findIndex((line, index) => index > 0 && line.trimEnd() === '---');
  if (end < 0) return 'the YAML frontmatter has no closing --- line';
  return {
    yaml: lines.slice(1, end).join('\n'),
    yamlFirstLine: 2,
    body: lines.slice(end + 1).join('\n'),
    bodyFirstLine: end + 2,
  };
}
