/** A `<Step ...>` opening tag in a lesson body: its id when written as a plain string, and its line. */
export interface StepMarker {
  id: string | undefined;
  line: number;
}

/** `<Step` then attributes (quoted values and {expressions} may hold a `>`), then `>` or `/>`. */
const STEP_TAG = /<Step(?=[\s/>])((?:[^>"'{]|"[^"]*"|'[^']*'|\{[^}]*\})*)>/g;
/** id="x" or id='x': a plain string, the only form the site's remark-lesson-steps accepts (not id={...}). */
const ID_ATTRIBUTE = /(?:^|\s)id\s*=\s*(?:"([^"]*)"|'([^']*)')/;

/** The body with the lines of fenced code blocks emptied (a lesson may show the markup itself). */
function blankFencedCode(body: string): string {
  let fence: string | undefined;
  return body
    .split('\n')
    .map((line) => {
      const run = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence === undefined) {
        if (run === undefined) return line;
        fence = run;
        return '';
      }
      // A closing fence: the same character, at least as long, nothing else on the line.
      if (run !== undefined && run[0] === fence[0] && run.length >= fence.length && line.trim() === run) fence = undefined;
      return '';
    })
    .join('\n');
}

/** Every `<Step>` of an MDX body outside code blocks, in order; `firstLine`: the file line the body starts on. */
export function findStepMarkers(body: string, firstLine = 1): StepMarker[] {
  const text = blankFencedCode(body);
  const markers: StepMarker[] = [];
  for (const match of text.matchAll(STEP_TAG)) {
    const id = ID_ATTRIBUTE.exec(match[1] ?? '');
    const line = firstLine + (text.slice(0, match.index).match(/\n/g)?.length ?? 0);
    markers.push({ id: id ? (id[1] ?? id[2]) : undefined, line });
  }
  return markers;
}
