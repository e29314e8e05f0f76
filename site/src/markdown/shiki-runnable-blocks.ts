import type { ShikiTransformer } from 'shiki';
import type { Element, ElementContent } from 'hast';

/** True when a fence's meta string holds the word `run` (```bash run). */
export function isRunnableMeta(meta: string | undefined): boolean {
  return /(?:^|\s)run(?:\s|$)/.test(meta ?? '');
}

/**
 * True for a fence that shows what a command prints: ```text (also `txt`, `plaintext`, `output`), or
 * any fence with the word `output` in its meta. Never a block with `run`.
 */
export function isOutputBlock(lang: string | undefined, meta: string | undefined): boolean {
  if (isRunnableMeta(meta)) return false;
  return /^(?:text|txt|plaintext|output)$/.test(lang ?? '') || /(?:^|\s)output(?:\s|$)/.test(meta ?? '');
}

/** The optional `label="..."` of a fence (```sql run label="psql"), shown instead of the language. */
export function labelFromMeta(meta: string | undefined): string | undefined {
  const match = /(?:^|\s)label=(?:"([^"]*)"|(\S+))/.exec(meta ?? '');
  return match ? (match[1] ?? match[2]) : undefined;
}

/**
 * The optional `terminal="2"` / `terminal=logs` of a fence: the name (or number) of the terminal
 * its Run button types into, opened when missing. Without it a block runs in the main terminal.
 */
export function terminalFromMeta(meta: string | undefined): string | undefined {
  const match = /(?:^|\s)terminal=(?:"([^"]*)"|(\S+))/.exec(meta ?? '');
  const name = match ? (match[1] ?? match[2] ?? '').trim() : '';
  return name ? name.slice(0, 40) : undefined;
}

/**
 * Shiki transformer for fenced blocks marked `run`: marks the `pre` with data-run and wraps it
 * with a toolbar holding "Run" and "Copy" buttons (wired by site/src/client/code-blocks.ts).
 * A `terminal=` block carries its terminal in data-terminal, and its toolbar says which terminal it
 * runs in. Output samples (isOutputBlock) become a figure captioned "Output", without the theme's
 * colours (the stylesheet draws them light, unlike anything runnable); other blocks are left alone.
 */
export function runnableCodeBlocks(): ShikiTransformer {
  const output = (options: { lang?: unknown; meta?: { __raw?: string } }) =>
    isOutputBlock(typeof options.lang === 'string' ? options.lang : undefined, options.meta?.__raw);
  return {
    name: 'dockyard:runnable-code-blocks',
    pre(node) {
      if (isRunnableMeta(this.options.meta?.__raw)) node.properties['data-run'] = '';
      if (output(this.options)) {
        node.properties['data-output'] = '';
        node.properties.style = 'overflow-x: auto;';
      }
    },
    span(node) {
      if (output(this.options)) delete node.properties.style;
    },
    root(root) {
      const pre = root.children.find((child): child is Element => child.type === 'element' && child.tagName === 'pre');
      if (!pre) return;
      if (output(this.options)) {
        root.children = [
          element('figure', { class: 'output-block', 'data-output-block': '' }, [element('figcaption', { class: 'output-label' }, [text('Output')]), pre]),
        ];
        return;
      }
      if (!isRunnableMeta(this.options.meta?.__raw)) return;
      const language = typeof this.options.lang === 'string' ? this.options.lang : '';
      const label = labelFromMeta(this.options.meta?.__raw) ?? language;
      const terminal = terminalFromMeta(this.options.meta?.__raw);
      const blockProperties: Element['properties'] = { class: 'code-block', 'data-code-block': '' };
      if (terminal) blockProperties['data-terminal'] = terminal;
      root.children = [
        element('div', blockProperties, [
          element('div', { class: 'code-toolbar' }, [
            element('span', { class: 'code-language' }, [text(label)]),
            ...(terminal ? [element('span', { class: 'code-terminal' }, [text(/^\d+$/.test(terminal) ? `terminal ${terminal}` : terminal)])] : []),
            button('run', 'Run', RUN_ICON),
            button('copy', 'Copy', COPY_ICON),
          ]),
          pre,
        ]),
      ];
    },
  };
}

/** The Run and Copy buttons' icons (also drawn by the Step component's solution block). */
export const RUN_ICON = 'M4 2.5v11l9-5.5z';
export const COPY_ICON = 'M5 1.5h7.5a1 1 0 0 1 1 1V11h-1.5V3H5zM2.5 4.5h7a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1h-7a1 1 0 0 1-1-1v-8a1 1 0 0 1 1-1zm.5 1.5v7h6V6z';

function button(action: string, label: string, iconPath: string): Element {
  const icon = element('svg', { class: 'code-button-icon', viewBox: '0 0 16 16', width: '14', height: '14', 'aria-hidden': 'true', focusable: 'false' }, [
    element('path', { d: iconPath, fill: 'currentColor' }, []),
  ]);
  return element('button', { type: 'button', class: `code-button code-button--${action}`, 'data-action': action }, [
    icon,
    element('span', { class: 'code-button-label' }, [text(label)]),
  ]);
}

function element(tagName: string, properties: Element['properties'], children: ElementContent[]): Element {
  return { type: 'element', tagName, properties, children };
}

function text(value: string): ElementContent {
  return { type: 'text', value };
}
