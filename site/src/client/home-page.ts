import { continueTarget, lessonStanding, type CourseLesson } from './course-progress.ts';
import { DisplayNameForm } from './display-name-form.ts';
import { fetchProgress } from './progress-api.ts';

/**
 * The home page as a course: each lesson card gets "N of M steps" (or "Done"), and "Continue"
 * leads to where the learner left off. Without the progress API the page stays as built (time and
 * step count per lesson) and says that progress could not be loaded.
 */
async function mountHomePage(root: HTMLElement): Promise<void> {
  const course = JSON.parse(root.querySelector('[data-course]')?.textContent ?? '[]') as CourseLesson[];
  const nameForm = root.querySelector<HTMLFormElement>('[data-name-form]');
  const form = nameForm ? new DisplayNameForm(nameForm) : undefined;
  const answer = await fetchProgress();
  if ('error' in answer) {
    const note = root.querySelector<HTMLElement>('[data-progress-note]');
    if (note) {
      note.textContent = `Your progress could not be loaded: ${answer.error.message} The lessons work without it.`;
      note.hidden = false;
    }
    return;
  }
  const progress = answer.data;
  form?.show(progress.profile);
  for (const lesson of course) {
    const card = root.querySelector<HTMLElement>(`[data-lesson-card="${CSS.escape(lesson.slug)}"]`);
    const line = card?.querySelector<HTMLElement>('[data-card-progress]');
    if (!card || !line) continue;
    const standing = lessonStanding(lesson, progress.lessons.find((entry) => entry.lesson === lesson.slug));
    const text = line.querySelector<HTMLElement>('[data-card-progress-text]');
    const bar = line.querySelector<HTMLElement>('[data-card-bar]');
    if (text) text.textContent = standing.text;
    if (bar) bar.style.width = `${standing.total > 0 ? Math.round((100 * standing.passed) / standing.total) : 0}%`;
    card.dataset.progress = standing.done ? 'done' : standing.passed > 0 ? 'started' : 'new';
    line.hidden = false;
  }
  const target = continueTarget(course, progress);
  const panel = root.querySelector<HTMLElement>('[data-continue]');
  const link = panel?.querySelector<HTMLAnchorElement>('[data-continue-link]');
  const where = panel?.querySelector<HTMLElement>('[data-continue-text]');
  const lessonName = panel?.querySelector<HTMLElement>('[data-continue-lesson]');
  if (!target || !panel || !link || !where) return;
  const total = course.find((lesson) => lesson.slug === target.slug)?.steps.length ?? 0;
  where.textContent = target.step
    ? `“${target.title}”, step ${target.step.number} of ${total}: ${target.step.title}.`
    : `“${target.title}”.`;
  if (lessonName) lessonName.textContent = ` “${target.title}”`;
  link.href = target.href;
  panel.hidden = false;
}

const root = document.querySelector<HTMLElement>('[data-home]');
if (root) void mountHomePage(root);
