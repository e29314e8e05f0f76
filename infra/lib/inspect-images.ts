import type Docker from 'dockerode';
import { z } from 'zod';
import { isNotFound } from './host-docker.js';

export interface LocalImage {
  id: string;
  repoTags: string[];
  labels: Record<string, string>;
  size: number;
}

/** What infra reads of Docker's image inspect answer. */
const imageInspectSchema = z.object({
  Id: z.string(),
  RepoTags: z.array(z.string()).nullish(),
  Size: z.number().nullish(),
  Config: z.object({ Labels: z.record(z.string()).nullish() }).nullish(),
});

/**
 * Looks up local images on the host's engine (in parallel). Returns a map from each requested ref
 * that exists to its image; missing refs are absent.
 */
export async function inspectImages(docker: Docker, refs: string[]): Promise<Map<string, LocalImage>> {
  const found = new Map<string, LocalImage>();
  await Promise.all(
    [...new Set(refs)].map(async (ref) => {
      let raw: unknown;
      try {
        raw = await docker.getImage(ref).inspect();
      } catch (error) {
        if (isNotFound(error)) return;
        throw new Error(`docker image inspect ${ref} failed: ${(error as Error).message}`);
      }
      const parsed = imageInspectSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`docker image inspect ${ref} answered something unexpected: ${parsed.error.issues[0]?.message}`);
      const image = parsed.data;
      found.set(ref, { id: image.Id, repoTags: image.RepoTags ?? [], labels: image.Config?.Labels ?? {}, size: image.Size ?? 0 });
    }),
  );
  return found;
}
