import { z } from 'zod';

export const terminalIdSchema = z.string().regex(/^[a-z0-9-]{1,32}$/);

/** The learner's working directory in the sandbox: the file tree's root; nothing outside it is served. */
export const WORKDIR = '/root';
/** Files larger than this open read-only (and cannot be written through the editor). */
export const MAX_EDITABLE_BYTES = 512 * 1024;

/** A path relative to the working directory ("" is the directory itself), e.g. "fortune-clock/Dockerfile". */
export const workspacePathSchema = z.string().max(1024);

export const fileEntrySchema = z.object({
  name: z.string(),
  path: workspacePathSchema,
  type: z.enum(['file', 'dir', 'link', 'other']),
  size: z.number(),
  mtimeMs: z.number(),
});
export type FileEntry = z.infer<typeof fileEntrySchema>;

export const directoryListingSchema = z.object({ path: workspacePathSchema, entries: z.array(fileEntrySchema) });
export type DirectoryListing = z.infer<typeof directoryListingSchema>;

export const fileContentSchema = z.object({
  path: workspacePathSchema,
  /** UTF-8 text; empty when the file is binary or too large to edit. */
  content: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
  /** True for binary files and files over MAX_EDITABLE_BYTES; notice says why. */
  readOnly: z.boolean(),
  notice: z.string().optional(),
});
export type FileContent = z.infer<typeof fileContentSchema>;

export const writeFileRequestSchema = z
  .object({
    path: workspacePathSchema.min(1),
    content: z.string(),
    /** mtime of the version the editor opened: if the file changed since, the write is refused (409). Omit to create or overwrite. */
    baseMtimeMs: z.number().optional(),
  })
  .strict();
export type WriteFileRequest = z.infer<typeof writeFileRequestSchema>;

export const writeFileResultSchema = z.object({ path: workspacePathSchema, size: z.number(), mtimeMs: z.number() });
export type WriteFileResult = z.infer<typeof writeFileResultSchema>;

export const publishedPortSchema = z.object({
  /** Port on the sandbox host (what `docker port` shows). */
  hostPort: z.number(),
  container: z.string(),
  containerPort: z.number(),
  protocol: z.enum(['tcp', 'udp']),
  /** Absolute path of the preview on the preview origin, e.g. "/<token>/32768/". */
  previewPath: z.string(),
  /** Set when PREVIEW_ORIGIN is: the preview's whole address, on the previews' own domain. */
  previewUrl: z.string().optional(),
});
export type PublishedPort = z.infer<typeof publishedPortSchema>;

export const portListSchema = z.object({
  /** The preview origin's port: the page opens http(s)://<its own hostname>:<previewPort><previewPath>. */
  previewPort: z.number(),
  ports: z.array(publishedPortSchema),
});
export type PortList = z.infer<typeof portListSchema>;

export const terminalInfoSchema = z.object({ terminalId: terminalIdSchema, name: z.string().min(1).max(40) });
export type TerminalInfo = z.infer<typeof terminalInfoSchema>;

export const terminalOpenSchema = z.object({ name: z.string().min(1).max(40).optional() }).strict();
export const terminalRenameSchema = z.object({ terminalId: terminalIdSchema, name: z.string().trim().min(1).max(40) }).strict();
export const terminalCloseSchema = z.object({ terminalId: terminalIdSchema }).strict();
