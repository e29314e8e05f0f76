import type { ClassTable, ClassTableRow } from '../../../../sandbox-engine/src/contracts/instructor.js';
import { formatCurrentStep, formatLastFailure, formatLessonCell, formatTimeOnStep } from './class-table-format.ts';

const TICK_MS = 15_000;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/**
 * A class's live table: a row per learner (their name the row header, then "Watch terminal" and
 * "Remove" buttons), a column per lesson ("N of M"), then the step they are on, how long, its failed checks
 * and the last failure. Each new table replaces the rows; the focus stays on the button it was on.
 */
export class ClassTableView {
  #table: ClassTable | undefined;
  /** The "On it for" cells, refreshed every few seconds without a new table. */
  #timeCells: { cell: HTMLElement; row: ClassTableRow }[] = [];
  readonly #timer: number;

  constructor(
    readonly host: HTMLElement,
    readonly onWatch: (row: ClassTableRow) => void,
    readonly onRemove: (row: ClassTableRow) => void,
  ) {
    this.#timer = window.setInterval(() => this.#tick(), TICK_MS);
  }

  get table(): ClassTable | undefined {
    return this.#table;
  }

  show(table: ClassTable): void {
    const focused = document.activeElement instanceof HTMLElement && this.host.contains(document.activeElement) ? document.activeElement.dataset.learner : undefined;
    this.#table = table;
    this.#timeCells = [];
    const node = element('table', undefined, 'instructor-table');
    const count = table.rows.length;
    node.append(element('caption', `${table.class.name}: ${count} ${count === 1 ? 'learner' : 'learners'}, steps passed per lesson (updates by itself)`));
    const head = element('thead');
    const headRow = element('tr');
    const columns = ['Learner', 'Actions', ...table.lessons.map((lesson) => lesson.title), 'Current step', 'On it for', 'Failed checks on it', 'Last failure'];
    for (const title of columns) {
      const th = element('th', title);
      th.scope = 'col';
      headRow.append(th);
    }
    head.append(headRow);
    const body = element('tbody');
    for (const row of table.rows) body.append(this.#row(row));
    if (count === 0) {
      const empty = element('tr');
      const cell = element('td', `No learner has joined yet. Share the join link or the code ${table.class.code}.`);
      cell.colSpan = columns.length;
      empty.append(cell);
      body.append(empty);
    }
    node.append(head, body);
    this.host.replaceChildren(node);
    if (focused) this.host.querySelector<HTMLElement>(`button[data-learner="${CSS.escape(focused)}"]`)?.focus();
  }

  clear(): void {
    this.#table = undefined;
    this.#timeCells = [];
    this.host.replaceChildren();
  }

  dispose(): void {
    clearInterval(this.#timer);
  }

  #row(row: ClassTableRow): HTMLTableRowElement {
    const tr = element('tr');
    tr.dataset.learner = row.learner;
    const name = element('th', row.displayName);
    name.scope = 'row';
    tr.append(name);
    const action = element('td');
    const button = element('button', 'Watch terminal', 'button button--small instructor-watch-button');
    button.type = 'button';
    button.dataset.learner = row.learner;
    button.append(element('span', ` of ${row.displayName}`, 'visually-hidden'));
    button.addEventListener('click', () => this.onWatch(row));
    const remove = element('button', 'Remove', 'button button--small instructor-remove-button');
    remove.type = 'button';
    remove.append(element('span', ` ${row.displayName} from the class`, 'visually-hidden'));
    remove.addEventListener('click', () => this.onRemove(row));
    action.append(button, ' ', remove);
    tr.append(action);
    for (const cell of row.lessons) {
      const td = element('td', formatLessonCell(cell), 'instructor-count');
      if (cell.total > 0 && cell.passed === cell.total) td.dataset.done = 'true';
      tr.append(td);
    }
    tr.append(element('td', formatCurrentStep(row), 'instructor-current'));
    const time = element('td', formatTimeOnStep(row));
    this.#timeCells.push({ cell: time, row });
    tr.append(time);
    tr.append(element('td', String(row.failedAttempts), 'instructor-count'));
    tr.append(element('td', formatLastFailure(row), 'instructor-failure'));
    return tr;
  }

  #tick(): void {
    const now = Date.now();
    for (const { cell, row } of this.#timeCells) {
      const text = formatTimeOnStep(row, now);
      if (cell.textContent !== text) cell.textContent = text;
    }
  }
}
