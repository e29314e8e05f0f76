import { readFileSync } from 'node:fs';

/** What `ps` and `pkill -f` show of the server: it sets its $0 to this. */
export const CHECK_SHELL_SERVER_NAME = 'dockyard-check-shell';

let script: string | undefined;

/** The argv of the check shell's server (check-shell-server.pl): keeps the last `keptBytes` of each output, stops a command past `maxBytes` on one. */
export function checkShellServerArgv(keptBytes: number, maxBytes: number): string[] {
  script ??= readFileSync(new URL('./check-shell-server.pl', import.meta.url), 'utf8');
  return ['perl', '-e', script, String(keptBytes), String(maxBytes)];
}
