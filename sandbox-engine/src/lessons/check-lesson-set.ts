import type { LessonProblem } from './lesson-problem.js';
import type { LessonFile } from './read-lessons.js';

/** Looks an image up in the image catalog (infra/images/catalog.ts: findCatalogImage). */
export type FindImage = (ref: string) => { servedToSandboxes: boolean } | undefined;

/**
 * What is wrong across valid lessons: the same slug or order twice, a prerequisite that is no
 * lesson, an image the catalog does not build or does not serve to sandboxes.
 */
export function checkLessonSet(lessons: readonly LessonFile[], findImage: FindImage): LessonProblem[] {
  const problems: LessonProblem[] = [];
  const bySlug = new Map<string, string>();
  const byOrder = new Map<number, string>();
  for (const { file, lesson } of lessons) {
    const sameSlug = bySlug.get(lesson.slug);
    if (sameSlug) problems.push({ file, field: 'folder name', message: `slug "${lesson.slug}" is also used by ${sameSlug}` });
    else bySlug.set(lesson.slug, file);
    const sameOrder = byOrder.get(lesson.order);
    if (sameOrder) problems.push({ file, field: 'order', message: `order ${lesson.order} is also used by ${sameOrder}` });
    else byOrder.set(lesson.order, file);
  }

  for (const { file, lesson } of lessons) {
    lesson.prerequisites.forEach((slug, index) => {
      const field = `prerequisites[${index}]`;
      if (slug === lesson.slug) problems.push({ file, field, message: 'a lesson cannot require itself' });
      else if (!bySlug.has(slug)) problems.push({ file, field, message: `no lesson has the slug "${slug}"` });
    });
    lesson.images.forEach((ref, index) => {
      const image = findImage(ref);
      const field = `images[${index}]`;
      if (!image) problems.push({ file, field, message: `${ref} is not in the image catalog (infra/images/catalog.ts)` });
      else if (!image.servedToSandboxes) problems.push({ file, field, message: `${ref} is in the image catalog but not served to sandboxes` });
    });
  }
  return problems;
}
