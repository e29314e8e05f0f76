// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import { remarkLessonSteps } from './src/markdown/remark-lesson-steps.ts';
import { runnableCodeBlocks } from './src/markdown/shiki-runnable-blocks.ts';
import { monacoStylesAtRuntime } from './src/build/monaco-styles-at-runtime.ts';

/**
 * While authoring (`npm run site:dev`), API and socket.io calls can be forwarded to a running
 * engine: DOCKYARD_ENGINE_URL=http://127.0.0.1:8080 npm run site:dev
 * The built site needs none of this: the engine serves it on its own origin.
 */
const engineUrl = process.env.DOCKYARD_ENGINE_URL;

export default defineConfig({
  output: 'static',
  trailingSlash: 'ignore',
  integrations: [mdx()],
  markdown: {
    remarkPlugins: [remarkLessonSteps],
    shikiConfig: {
      theme: 'github-dark-default',
      transformers: [runnableCodeBlocks()],
    },
  },
  vite: {
    plugins: [monacoStylesAtRuntime()],
    server: engineUrl
      ? {
          proxy: {
            '/api': { target: engineUrl, changeOrigin: false },
            '/socket.io': { target: engineUrl, ws: true, changeOrigin: false },
          },
        }
      : {},
  },
});
