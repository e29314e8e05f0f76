import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { z } from 'zod';

/** `name:tag`, lower case, as Docker Hub spells official images (`postgres:15`, `dockyard/sandbox:latest`). */
const imageRefSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, {
    message: 'expected NAME:TAG, e.g. "postgres:15" (lower-case name, explicit tag, no registry host)',
  });

const dockerfileContextSchema = z
  .object({
    kind: z.literal('dockerfile'),
    folder: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'expected a folder name under infra/images, e.g. "postgres"' })
      .describe('Folder under infra/images holding the Dockerfile and its files'),
  })
  .strict();

const debootstrapContextSchema = z
  .object({
    kind: z.literal('debootstrap'),
    folder: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .describe('Folder under infra/images holding finish-rootfs.sh, run in the tree before import'),
    suite: z.string().describe('Debian suite, e.g. "bookworm"'),
    variant: z.enum(['minbase', 'buildd']).default('minbase'),
    mirror: z.string().url().default('http://deb.debian.org/debian'),
    securityMirror: z.string().url().default('http://deb.debian.org/debian-security'),
  })
  .strict();

export const catalogImageSchema = z
  .object({
    ref: imageRefSchema.describe('The main NAME:TAG'),
    aliases: z.array(imageRefSchema).default([]).describe('Other NAME:TAGs for the same image'),
    context: z
      .discriminatedUnion('kind', [dockerfileContextSchema, debootstrapContextSchema])
      .describe('How the image is built: a Dockerfile folder, or debootstrap for a Debian base'),
    servedToSandboxes: z
      .boolean()
      .describe('Pushed to the local registry mirror, so a sandbox can `docker pull NAME:TAG`'),
    description: z.string().min(1),
  })
  .strict();

export type CatalogImage = z.infer<typeof catalogImageSchema>;
export type CatalogImageInput = z.input<typeof catalogImageSchema>;

/** THE list of images this platform builds. Adding an image: an entry here + a folder beside this file. */
const entries: CatalogImageInput[] = [
  {
    ref: 'debian:bookworm',
    aliases: ['debian:12', 'debian:latest'],
    context: { kind: 'debootstrap', folder: 'debian', suite: 'bookworm', variant: 'minbase' },
    servedToSandboxes: true,
    description: 'Debian 12 (debootstrap minbase, updates + security suites, apt lists emptied); base of every other image',
  },
  {
    ref: 'postgres:15',
    aliases: ['postgres:15-bookworm'],
    context: { kind: 'dockerfile', folder: 'postgres' },
    servedToSandboxes: true,
    description: "PostgreSQL 15 from Debian, with the official image's POSTGRES_USER / _PASSWORD / _DB behaviour",
  },
  {
    ref: 'learningdocker/docker_quick_start:latest',
    aliases: [],
    context: { kind: 'dockerfile', folder: 'rails-sample' },
    servedToSandboxes: true,
    description: 'The Rails 6.1 sample app (users, microposts) of the two-container lesson: Puma on 3000, DOCKERDB_* variables or DATABASE_URL',
  },
  {
    ref: 'dockyard/todo-app:1',
    aliases: [],
    context: { kind: 'dockerfile', folder: 'todo-app' },
    servedToSandboxes: true,
    description: 'The to-do app of the networks/volumes and Compose lessons: Flask + psycopg2 under gunicorn on port 3000, DATABASE_URL',
  },
  {
    ref: 'nginx:1.22',
    aliases: ['nginx:latest', 'nginx:stable'],
    context: { kind: 'dockerfile', folder: 'nginx' },
    servedToSandboxes: true,
    description: "nginx 1.22 from Debian, laid out like the official image: conf.d/default.conf, /usr/share/nginx/html, logs to stdout/stderr",
  },
  {
    ref: 'dockyard/sandbox:latest',
    aliases: [],
    context: { kind: 'dockerfile', folder: 'sandbox' },
    servedToSandboxes: false,
    description: "A learner's sandbox: its own dockerd (Docker-in-Docker), docker CLI with completion, psql",
  },
  {
    ref: 'dockyard/registry:latest',
    aliases: [],
    context: { kind: 'dockerfile', folder: 'registry' },
    servedToSandboxes: false,
    description: "Debian's docker-registry (distribution 2.8): the local mirror sandboxes pull lesson images from",
  },
];

export const imageCatalog: CatalogImage[] = parseCatalog(entries);

function parseCatalog(input: CatalogImageInput[]): CatalogImage[] {
  const images = input.map((entry, index) => {
    const parsed = catalogImageSchema.safeParse(entry);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(entry)'}: ${issue.message}`);
      throw new Error(`infra/images/catalog.ts: entry ${index} (${entry.ref ?? '?'}) is invalid:\n${issues.join('\n')}`);
    }
    return parsed.data;
  });
  const seen = new Map<string, string>();
  for (const image of images) {
    for (const ref of [image.ref, ...image.aliases]) {
      const owner = seen.get(ref);
      if (owner) throw new Error(`infra/images/catalog.ts: ${ref} is declared by both ${owner} and ${image.ref}`);
      seen.set(ref, image.ref);
    }
  }
  return images;
}

/** The catalog entry whose ref or one of whose aliases is `ref`. */
export function findCatalogImage(ref: string): CatalogImage | undefined {
  return imageCatalog.find((image) => image.ref === ref || image.aliases.includes(ref));
}

/** Every NAME:TAG (refs and aliases) a sandbox can pull from the registry mirror. */
export function servedImageRefs(): string[] {
  return imageCatalog.filter((image) => image.servedToSandboxes).flatMap((image) => [image.ref, ...image.aliases]);
}

/** Absolute path of the folder holding infra/images/<folder>. */
export function imageContextDir(folder: string): string {
  return join(fileURLToPath(new URL('.', import.meta.url)), folder);
}
