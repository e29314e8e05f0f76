import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { writeFileRequestSchema, type PortList } from '../contracts/workspace.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { listPublishedPorts } from '../workspace/published-ports.js';
import type { SandboxFiles } from '../workspace/sandbox-files.js';
import { WorkspaceError } from '../workspace/workspace-error.js';
import { sendError } from './send-error.js';
import { requireSession } from './learner-auth.js';
import type { Config } from '../config/config-schema.js';

/** A port's preview on PREVIEW_ORIGIN: a host name of its own when the origin has a `*`, else the token path. */
function previewAddress(origin: string, session: { previewHost: string }, port: number, previewPath: string): string {
  return origin.includes('*') ? `${origin.replace('*', `${session.previewHost}-${port}`)}/` : `${origin}${previewPath}`;
}

const pathQuerySchema = z.object({ path: z.string().max(1024).default(''), all: z.enum(['0', '1']).default('0') });

export interface WorkspaceRoutesDeps {
  config: Config;
  sessions: SessionManager;
  files: SandboxFiles;
  driver: SandboxDriver;
  /** The preview origin's port, once it listens. */
  previewPort: () => number;
}

/** /api/workspace/:lesson/…: the learner's files and published ports, for the learner's own key only. */
export function workspaceRoutes({ config, sessions, files, driver, previewPort }: WorkspaceRoutesDeps): express.Router {
  const router = express.Router();
  const handle =
    (work: (req: Request, sessionContainer: { containerId: string; previewToken: string; previewHost: string }) => Promise<unknown>) =>
    async (req: Request, res: Response) => {
      try {
        const session = requireSession(sessions, req, String(req.params.lesson));
        sessions.touch(session);
        res.json({ data: await work(req, session) });
      } catch (error) {
        sendError(res, error);
      }
    };
  const query = (req: Request) => {
    const parsed = pathQuerySchema.safeParse(req.query);
    if (!parsed.success) throw new WorkspaceError('bad-request', 'Expected ?path=<path relative to the working directory>.');
    return parsed.data;
  };

  router.get('/:lesson/list', handle((req, session) => {
    const { path, all } = query(req);
    return files.list(session.containerId, path, all === '1');
  }));
  router.get('/:lesson/file', handle((req, session) => files.read(session.containerId, query(req).path)));
  router.put('/:lesson/file', express.json({ limit: '2mb' }), handle((req, session) => {
    const parsed = writeFileRequestSchema.safeParse(req.body);
    if (!parsed.success) throw new WorkspaceError('bad-request', `Expected {path, content, baseMtimeMs?}: ${parsed.error.issues[0]?.message}`);
    return files.write(session.containerId, parsed.data);
  }));
  router.get('/:lesson/ports', handle(async (_req, session): Promise<PortList> => {
    const ports = await listPublishedPorts(driver, session.containerId);
    return {
      previewPort: previewPort(),
      ports: ports.map((port) => {
        const previewPath = `/${session.previewToken}/${port.hostPort}/`;
        return { ...port, previewPath, ...(config.PREVIEW_ORIGIN ? { previewUrl: previewAddress(config.PREVIEW_ORIGIN, session, port.hostPort, previewPath) } : {}) };
      }),
    };
  }));
  return router;
}
