import type { Plugin } from 'vite';

const PREFIX = '\0dockyard-monaco-style:';

/**
 * Monaco's modules import their CSS (~175 KB). Vite gathers the CSS of a dynamically imported
 * chunk, and Astro links every CSS file of a page's scripts in its <head>: render-blocking, on
 * every lesson page, for an editor most learners open later or never. This turns each of Monaco's
 * CSS imports into a module that adds the same (Vite-processed) CSS as a <style> when it runs: when
 * the editor is first shown, as Monaco's own loader did.
 */
export function monacoStylesAtRuntime(): Plugin {
  return {
    name: 'dockyard-monaco-styles-at-runtime',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!source.endsWith('.css') || !importer?.includes('/node_modules/monaco-editor/')) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      // A .js end: Vite's CSS plugins leave the id alone.
      return resolved ? `${PREFIX}${resolved.id}.js` : null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const file = id.slice(PREFIX.length, -'.js'.length);
      return [
        `import css from ${JSON.stringify(`${file}?inline`)};`,
        `const style = document.createElement('style');`,
        `style.dataset.monaco = '';`,
        `style.textContent = css;`,
        `document.head.append(style);`,
      ].join('\n');
    },
  };
}
