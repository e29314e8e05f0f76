import path from 'node:path';

/**
 * Build-time validator and annotator for `<Step id="...">` in lesson bodies.
 *
 * For every lessons/<slug>/content.mdx it checks that each <Step> names a step of the frontmatter,
 * that every frontmatter step appears exactly once and in the same order, and fails the build with
 * the file, the line and the id otherwise. It then adds the step's number, title, hint and the file
 * it opens in the editor (`open`) as props,
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
    const used: string[] = [];

    for (const node of stepElements(tree)) {
      const id = stringAttribute(node, 'id');
      if (id === undefined) fail(node, '<Step> needs an id attribute written as a plain string, e.g. <Step id="run-the-database">');
      const index = known.indexOf(id as string);
      if (index < 0) {
        fail(node, `<Step id="${id}"> matches no step in the frontmatter (steps: ${known.join(', ') || 'none'})`);
      }
      if (used.includes(id as string)) fail(node, `<Step id="${id}"> appears twice in the body`);
      const expected = known[used.length];
      if (id !== expected) {
        fail(node, `<Step id="${id}"> is out of order: the frontmatter lists "${expected}" here (steps: ${known.join(', ')})`);
      }
      used.push(id as string);
      const step = declared[index] as FrontmatterStep;
      setAttribute(node, 'number', String(index + 1));
      if (typeof step.title === 'string') setAttribute(node, 'title', step.title);
      if (typeof step.hint === 'string') setAttribute(node, 'hint', step.hint);
      if (typeof step.open === 'string') setAttribute(node, 'open', step.open);
    }

    const missing = known.filter((id) => !used.includes(id));
    if (missing.length > 0) {
      fail(undefined, `frontmatter step${missing.length > 1 ? 's' : ''} ${missing.map((id) => `"${id}"`).join(', ')} ha${missing.length > 1 ? 've' : 's'} no <Step id="..."> in the body`);
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
