import { checkDisplayName, classCodeFromUrl, normalizeClassCode } from './join-code.ts';
import { fetchProgress, findClass, joinClass } from './progress-api.ts';

/**
 * /join?code=K7M-2QF (or /join/K7M-2QF): "Join <class name>" with a name field and a Join button
 * (POST /api/classes/join). Without a code, or with one no class has, the code field is there to
 * type it. Every problem is said in the form's alert line, next to the field it is about.
 */
async function mountJoinPage(root: HTMLElement): Promise<void> {
  const find = <T extends HTMLElement>(selector: string): T => {
    const element = root.querySelector<T>(selector);
    if (!element) throw new Error(`join page is missing ${selector}`);
    return element;
  };
  const title = find('[data-join-title]');
  const intro = find('[data-join-intro]');
  const form = find<HTMLFormElement>('[data-join-form]');
  const codeInput = find<HTMLInputElement>('[data-code-input]');
  const nameInput = find<HTMLInputElement>('[data-name-input]');
  const button = find<HTMLButtonElement>('[data-join-button]');
  const error = find('[data-join-error]');
  const done = find('[data-join-done]');
  const doneText = find('[data-join-done-text]');
  /** The class the code in the field names, once the server said so. */
  let known: { name: string; code: string } | undefined;

  const fail = (message: string, field?: HTMLInputElement) => {
    error.textContent = message;
    for (const input of [codeInput, nameInput]) {
      if (input === field) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    field?.focus();
  };

  /** Looks the code up, to say "Join <name>". */
  const lookUp = async (code: string): Promise<boolean> => {
    const answer = await findClass(code);
    if ('error' in answer) {
      known = undefined;
      fail(
        answer.error.code === 'not-found' ? `No class has the code ${code}. Check it with your instructor.` : `The class could not be looked up: ${answer.error.message}`,
        codeInput,
      );
      return false;
    }
    known = answer.data;
    title.textContent = `Join ${known.name}`;
    intro.textContent = `Your instructor's class “${known.name}” (code ${known.code}). Type your name and click Join: your instructor then sees your progress in the lessons under that name.`;
    codeInput.value = known.code;
    error.textContent = '';
    return true;
  };

  const fromLink = classCodeFromUrl(new URL(window.location.href));
  if (fromLink) {
    codeInput.value = fromLink;
    const code = normalizeClassCode(fromLink);
    if (code) await lookUp(code);
    else fail(`“${fromLink}” is not a class code: a class code looks like K7M-2QF.`, codeInput);
  }
  void fetchProgress().then((answer) => {
    if ('data' in answer && answer.data.profile.displayName && !nameInput.value) nameInput.value = answer.data.profile.displayName;
  });

  codeInput.addEventListener('input', () => {
    if (known && normalizeClassCode(codeInput.value) !== known.code) known = undefined;
  });
  // The problem said is about what was there: editing that field takes it away.
  for (const input of [codeInput, nameInput]) {
    input.addEventListener('input', () => {
      if (input.getAttribute('aria-invalid') !== 'true') return;
      input.removeAttribute('aria-invalid');
      error.textContent = '';
    });
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void join();
  });

  async function join(): Promise<void> {
    if (button.getAttribute('aria-disabled') === 'true') return;
    const code = normalizeClassCode(codeInput.value);
    if (!code) return fail(codeInput.value.trim() ? 'A class code looks like K7M-2QF: six letters or digits.' : 'Type the class code.', codeInput);
    const name = checkDisplayName(nameInput.value);
    if ('error' in name) return fail(name.error, nameInput);
    button.setAttribute('aria-disabled', 'true');
    try {
      if (known?.code !== code && !(await lookUp(code))) return;
      const answer = await joinClass(code, name.name);
      if ('error' in answer) {
        fail(
          answer.error.code === 'not-found' ? `No class has the code ${code}. Check it with your instructor.` : `You could not join: ${answer.error.message}`,
          answer.error.code === 'not-found' ? codeInput : undefined,
        );
        return;
      }
      error.textContent = '';
      form.hidden = true;
      intro.hidden = true;
      title.textContent = `You joined ${answer.data.class.name}`;
      doneText.textContent = `You are in “${answer.data.class.name}” as ${name.name}. Your instructor sees your progress from now on.`;
      done.hidden = false;
    } finally {
      button.removeAttribute('aria-disabled');
    }
  }
}

const root = document.querySelector<HTMLElement>('[data-join]');
if (root) void mountJoinPage(root);
