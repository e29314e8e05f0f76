import { runCommand } from '../../sandbox-engine/src/process/run-command.js';

export interface LocalImage {
  id: string;
  repoTags: string[];
  labels: Record<string, string>;
  size: number;
}

/**
 * Looks up several local images in one `docker image inspect` call (fast: one CLI start).
 * Returns a map from each requested ref that exists to its image; missing refs are absent.
 */
export async function inspectImages(refs: string[]): Promise<Map<string, LocalImage>> {
  const found = new Map<string, LocalImage>();
  const unique = [...new Set(refs)];
  if (unique.length === 0) return found;
  // Exits 1 when some refs are missing, but still prints the ones it found.
  const result = await runCommand('docker', ['image', 'inspect', ...unique], { allowFailure: true });
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout.trim() || '[]');
  } catch {
    throw new Error(`docker image inspect printed no JSON: ${result.stderr.trim()}`);
  }
  if (result.code !== 0 && !/no such (image|object)/i.test(result.stderr)) {
    throw new Error(`docker image inspect failed: ${result.stderr.trim()}`);
  }
  for (const raw of parsed as Array<{ Id: string; RepoTags?: string[]; Size?: number; Config?: { Labels?: Record<string, string> | null } }>) {
    const image: LocalImage = {
      id: raw.Id,
      repoTags: raw.RepoTags ?? [],
      labels: raw.Config?.Labels ?? {},
      size: raw.Size ?? 0,
    };
    for (const ref of unique) {
      if (image.repoTags.includes(ref) || ref === image.id) found.set(ref, image);
    }
  }
  return found;
}
