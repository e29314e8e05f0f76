import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { lessonFrontmatterSchema } from '../../sandbox-engine/src/contracts/lesson.js';

/**
 * Every lesson is a folder under lessons/ holding a content.mdx; the folder name is the slug.
 * The frontmatter schema is the engine's own, so a lesson the site builds is a lesson the engine
 * can run: a bad field fails `astro build` with the file and the field named.
 */
const lessons = defineCollection({
  loader: glob({
    base: '../lessons',
    pattern: '*/content.mdx',
    generateId: ({ entry }) => entry.split('/')[0] ?? entry,
  }),
  schema: lessonFrontmatterSchema,
});

export const collections = { lessons };
