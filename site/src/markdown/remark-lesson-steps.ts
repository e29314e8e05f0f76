import path from 'node:path';
import { checkStepMarkers } from '../../../sandbox-engine/src/lessons/check-step-markers.js';

/**
 * Build-time validator and annotator for `<Step id="...">` in lesson bodies.
 *
 * For every lessons/<slug>/content.mdx it checks that each <Step> names a step of the frontmatter,
 * that every frontmatter step appears exactly once and in the same order, and fails the build with
 * the file, the line and the id otherwise. It then adds the step's number, title, hint, the file
 * it opens in the editor (`open`) and its solution commands (`solution`, a JSON array) as props,
 * so the Step component renders from its props alone.
 */

interface JsxAttribute {
  type: 'mdxJsxAttribute' | 'mdxJsxExpressionAttribute';
  name?: string;
  value?: unknown;
}

interface Node {
  type: string;
  name?: string | null;
  attributes?: JsxAttribute[];
  children?: Node[];
  position?: { start: { line: number; column: number } };
}

interface FrontmatterStep {
  id?: unknown;
  title?: unknown;
  hint?: unknown;
  open?: unknown;
  solution?: unknown;
}

interface LessonVFile {
  path?: string;
  data: { astro?: { frontmatter?: { steps?: unknown } } };
}

const LESSON_FILE = /[\\/]lessons[\\/][^\\/]+[\\/]content\.mdx$/;

export class LessonStepError extends Error {
  override name = 'LessonStepError';
}

export function remarkLessonSteps() {
  return (tree: Node, file: LessonVFile) => {
    const filePath = file.path ?? '';
    if (!LESSON_FILE.test(filePath)) return;
    const relative = path.relative(process.cwd(), filePath) || filePath;
    const fail = (node: Node | undefined, message: string): never => {
      const at = node?.position ? `:${node.position.start.line}:${node.position.start.column}` : '';
      throw new LessonStepError(`${relative}${at}: ${message}`);
    };

    const declared = frontmatterSteps(file);
    const known = declared.map((step) => String(step.id));
    const nodes = [...stepElements(tree)];
    // The rules are the lesson checker's (lessons:check lists every problem; the build stops on the first).
    const problems = checkStepMarkers(
      known,
      nodes.map((node) => ({ id: stringAttribute(node, 'id'), line: node.position?.start.line ?? 0 })),
    );
    const first = problems[0];
    if (first) {
      const line = /^body line (\d+)$/.exec(first.field)?.[1];
      fail(line ? nodes.find((node) => String(node.position?.start.line) === line) : undefined, first.message);
    }

    for (const node of nodes) {
      const index = known.indexOf(stringAttribute(node, 'id') as string);
      const step = declared[index] as FrontmatterStep;
      setAttribute(node, 'number', String(index + 1));
      if (typeof step.title === 'string') setAttribute(node, 'title', step.title);
      if (typeof step.hint === 'string') setAttribute(node, 'hint', step.hint);
      if (typeof step.open === 'string') setAttribute(node, 'open', step.open);
      const solution = Array.isArray(step.solution) ? step.solution.filter((line): line is string => typeof line === 'string') : [];
      if (solution.length > 0) setAttribute(node, 'solution', JSON.stringify(solution));
    }
  };
}

function frontmatterSteps(file: LessonVFile): FrontmatterStep[] {
  const steps = file.data.astro?.frontmatter?.steps;
  if (!Array.isArray(steps)) return [];
  return steps.filter((step): step is FrontmatterStep => typeof step === 'object' && step !== null && 'id' in step);
}

function* stepElements(node: Node): Generator<Node> {
  if ((node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement') && node.name === 'Step') {
    yield node;
  }
  for (const child of node.children ?? []) yield* stepElements(child);
}

function stringAttribute(node: Node, name: string): string | undefined {
  const attribute = node.attributes?.find((a) => a.type === 'mdxJsxAttribute' && a.name === name);
  return typeof attribute?.value === 'string' ? attribute.value : undefined;
}

function setAttribute(node: Node, name: string, value: string): void {
  const attributes = (node.attributes ??= []);
  const existing = attributes.find((a) => a.type === 'mdxJsxAttribute' && a.name === name);
  if (existing) existing.value = value;
  else attributes.push({ type: 'mdxJsxAttribute', name, value });
}
