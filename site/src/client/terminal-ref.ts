import type { TerminalInfo } from '../../../sandbox-engine/src/contracts/workspace.js';

/**
 * Which terminal a runnable block means by `terminal="2"` or `terminal=logs`: a terminal whose
 * name is the reference (ignoring case and surrounding space), or for a bare number N the one the
 * engine names "Terminal N" by default; "1" falls back to the main terminal.
 */
export function findTerminal(terminals: readonly TerminalInfo[], ref: string): TerminalInfo | undefined {
  const wanted = normalise(ref);
  const exact = terminals.find((terminal) => normalise(terminal.name) === wanted);
  if (exact) return exact;
  if (/^\d+$/.test(wanted)) {
    const numbered = terminals.find((terminal) => normalise(terminal.name) === `terminal ${wanted}`);
    if (numbered) return numbered;
    if (wanted === '1') return terminals.find((terminal) => terminal.terminalId === 'main');
  }
  return undefined;
}

/** The name to open a missing terminal under: "Terminal 2" for "2", the reference itself otherwise. */
export function nameForRef(ref: string): string {
  const trimmed = ref.trim();
  return (/^\d+$/.test(trimmed) ? `Terminal ${trimmed}` : trimmed).slice(0, 40);
}

function normalise(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}
