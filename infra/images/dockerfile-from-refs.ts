import { readFile } from 'node:fs/promises';

/**
 * The images a Dockerfile builds FROM (in order, without duplicates), leaving out references to its
 * own earlier stages (`FROM build AS ...`) and `scratch`. ARG substitution is not supported: write
 * FROM lines with literal NAME:TAG references.
 */
export async function dockerfileFromRefs(dockerfilePath: string): Promise<string[]> {
  const text = await readFile(dockerfilePath, 'utf8');
  const stages = new Set<string>();
  const refs: string[] = [];
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const line of lines) {
    const match = /^\s*FROM\s+(.*)$/i.exec(line);
    if (!match?.[1]) continue;
    const words = match[1].trim().split(/\s+/).filter((word) => !word.startsWith('--'));
    const image = words[0];
    if (!image) continue;
    if (image.includes('$')) throw new Error(`${dockerfilePath}: FROM ${image}: ARG substitution in FROM is not supported`);
    const asIndex = words.findIndex((word) => word.toLowerCase() === 'as');
    const stageName = asIndex >= 0 ? words[asIndex + 1] : undefined;
    if (!stages.has(image.toLowerCase()) && image !== 'scratch') {
      const ref = image.includes(':') || image.includes('@') ? image : `${image}:latest`;
      if (!refs.includes(ref)) refs.push(ref);
    }
    if (stageName) stages.add(stageName.toLowerCase());
  }
  if (refs.length === 0 && !/^\s*FROM\s+scratch/im.test(text)) throw new Error(`${dockerfilePath}: no FROM line`);
  return refs;
}
