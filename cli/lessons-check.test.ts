import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** Runs `tsx cli/lessons-check.ts DIR...` from the repository root. */
async function check(...dirs: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['cli/lessons-check.ts', ...dirs.map((dir) => `sandbox-engine/src/lessons/fixtures/${dir}`)];
  try {
    const { stdout, stderr } = await run('node_modules/.bin/tsx', args, { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe('lessons:check', () => {
  it('prints one line per valid lesson and exits 0', async () => {
    const { code, stdout } = await check('valid');
    expect(code).toBe(0);
    expect(stdout).toBe(
      'hello-container: "Hello, container", 2 steps, 2 checks\n' +
        'postgres-in-a-container: "Postgres in a container", 3 steps, 4 checks\n' +
        '2 lessons valid\n',
    );
  }, 20_000);

  it('prints every problem as file: field: message and exits 1', async () => {
    const { code, stdout, stderr } = await check('unknown-kind', 'empty');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'sandbox-engine/src/lessons/fixtures/unknown-kind/postgres-in-a-container/content.mdx: steps[2].checks[0].kind: ' +
        "Invalid discriminator value. Expected 'container' | 'command' | 'port' | 'history' | 'file'\n" +
        'sandbox-engine/src/lessons/fixtures/empty: no lessons found (expected <slug>/content.mdx folders)\n' +
        '\n2 problems in sandbox-engine/src/lessons/fixtures/unknown-kind, sandbox-engine/src/lessons/fixtures/empty\n',
    );
  }, 20_000);
});
