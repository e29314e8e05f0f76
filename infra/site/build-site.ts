import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from '../../sandbox-engine/src/process/run-command.js';

/** Everything the built site depends on: a change here rebuilds it. */
const inputs = ['site/src', 'site/public', 'site/astro.config.mjs', 'lessons', 'sandbox-engine/src/contracts', 'package-lock.json'];

async function hashInputs(root: string): Promise<string> {
  const hash = createHash('sha256');
  const visit = async (relative: string): Promise<void> => {
    const full = path.join(root, relative);
    if (!existsSync(full)) return;
    if ((await stat(full)).isDirectory()) {
      for (const entry of (await readdir(full)).sort()) await visit(path.join(relative, entry));
    } else {
      hash.update(relative).update('\0').update(await readFile(full)).update('\0');
    }
  };
  for (const input of inputs) await visit(input);
  return hash.digest('hex');
}

/** Builds the Astro site into site/dist unless it is already built from the same sources. */
export async function ensureSiteBuilt(log: (line: string) => void, root: string): Promise<void> {
  const stamp = path.join(root, 'site/dist/.build-hash');
  const hash = await hashInputs(root);
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === hash) {
    log('site: up to date');
    return;
  }
  const started = Date.now();
  log('site: building (astro build)…');
  await runCommand('npx', ['astro', 'build', '--root', 'site'], {
    cwd: root,
    onLine: (line) => {
      if (/error|warn|pages? built|Complete/i.test(line)) log(`  ${line.trim()}`);
    },
  });
  await writeFile(stamp, hash);
  log(`site: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
