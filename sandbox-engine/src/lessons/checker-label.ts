import { commandLabel } from '../checkers/command-checker.js';
import type { Checker } from '../contracts/checker.js';

/** A check in a few words, for the lesson author: `container db running`, `history /^docker ps/`. */
export function checkerLabel(checker: Checker): string {
  switch (checker.kind) {
    case 'container':
      return `container ${checker.name} ${checker.state}`;
    case 'command':
      return `command \`${commandLabel(checker.run, 60)}\``;
    case 'port':
      return `port ${checker.port ?? `${checker.container}:${checker.containerPort}`} (${checker.protocol})`;
    case 'history':
      return `history /${checker.pattern}/`;
    case 'file':
      return `file ${checker.path}${checker.exists ? '' : ' absent'}`;
  }
}
