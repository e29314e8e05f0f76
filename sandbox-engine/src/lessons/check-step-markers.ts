import type { StepMarker } from './find-step-markers.js';

/**
 * What is wrong between the frontmatter steps and the body's `<Step id="...">`: every marker names
 * a step, every step has exactly one marker, in the frontmatter's order. The same rules as the
 * site's remark-lesson-steps, which fails `astro build` on the first; this lists them all.
 */
export function checkStepMarkers(stepIds: readonly string[], markers: readonly StepMarker[]): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const firstLineOf = new Map<string, number>();
  for (const { id, line } of markers) {
    const field = `body line ${line}`;
    if (id === undefined) {
      problems.push({ field, message: '<Step> needs an id attribute written as a plain string, e.g. <Step id="run-the-database">' });
    } else if (!stepIds.includes(id)) {
      problems.push({ field, message: `<Step id="${id}"> matches no step in the frontmatter (steps: ${stepIds.join(', ') || 'none'})` });
    } else if (firstLineOf.has(id)) {
      problems.push({ field, message: `<Step id="${id}"> appears twice in the body (first on line ${firstLineOf.get(id)})` });
    } else {
      firstLineOf.set(id, line);
    }
  }

  stepIds.forEach((id, index) => {
    if (!firstLineOf.has(id)) problems.push({ field: `steps[${index}].id`, message: `step "${id}" has no <Step id="${id}"> in the body` });
  });

  // Order: compare the steps present in the body, in body order, with the frontmatter's order.
  const inBody = [...firstLineOf.keys()];
  const expected = stepIds.filter((id) => firstLineOf.has(id));
  const at = inBody.findIndex((id, index) => id !== expected[index]);
  if (at >= 0) {
    const id = inBody[at] as string;
    problems.push({
      field: `body line ${firstLineOf.get(id)}`,
      message: `<Step id="${id}"> is out of order: the frontmatter lists "${expected[at]}" here (steps: ${stepIds.join(', ')})`,
    });
  }
  return problems;
}
