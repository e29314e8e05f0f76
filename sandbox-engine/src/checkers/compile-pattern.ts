/** A lesson's regular expression, compiled the way the contract validates it (multiline). */
export function compilePattern(source: string): RegExp {
  return new RegExp(source, 'm');
}
