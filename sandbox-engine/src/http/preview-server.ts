import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import type { Session } from '../sessions/session.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { listPublishedPorts } from '../workspace/published-ports.js';
import { parseCookies } from './parse-cookies.js';

/**
 * Our own cookies (the instructor's session `dyl_instructor`, the preview's memory) never reach a
 * learner's app, nor can it set them: the browser sends the site's cookies to the preview port too
 * (same host name), so this is what keeps an instructor who opens a learner's preview from handing
 * the learner their session. Name every cookie of ours `dyl_…`.
 */
const isOurCookie = (name: string) => name.startsWith('dyl_') || name === COOKIE;

function withoutOurCookies(header: string | undefined): string | undefined {
  const kept = (header ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !isOurCookie(part.split('=')[0]!.trim()));
  return kept.length > 0 ? kept.join('; ') : undefined;
}

/** Characters Node refuses in a status text or header value: one from a learner's app must not crash the engine. */
const UNSAFE_HEADER_TEXT = /[^\t\x20-\x7e\x80-\xff]/;

/** `<previewHost>-<port>.` at the start of the Host: previews on host names of their own. */
const HOST_LABEL = /^([0-9a-f]{32})-(\d{1,5})\./i;
const PREFIX = /^\/([A-Za-z0-9_-]{32})\/(\d{1,5})(\/.*)?$/;
const COOKIE = 'dyp';
const PORTS_TTL_MS = 2000;

interface Target {
  session: Session;
  port: number;
  /** The request path for the app, without our prefix. */
  path: string;
  /** Set when the request came through the prefixed URL: later absolute paths go to the same port. */
  remember?: string;
}

/**
 * The port preview: its own origin (another port), so a learner's app never runs beside our
 * cookies. /<previewToken>/<port>/<path> proxies HTTP and websockets to that port of that
 * session's sandbox, only when a container there publishes it.
 */
export function createPreviewServer(deps: { sessions: SessionManager; driver: SandboxDriver; log: Logger }): Server {
  const { sessions, driver, log } = deps;
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: 60_000 });
  const portCache = new Map<string, { at: number; ports: Promise<Set<number>> }>();

  /** The sandbox's published TCP ports: one lookup at a time per sandbox, kept for 2 s. */
  const publishedPorts = (session: Session): Promise<Set<number>> => {
    const cached = portCache.get(session.id);
    if (cached && Date.now() - cached.at < PORTS_TTL_MS) return cached.ports;
    if (portCache.size > 1000) {
      for (const [id, entry] of portCache) if (Date.now() - entry.at >= PORTS_TTL_MS) portCache.delete(id);
    }
    const ports = listPublishedPorts(driver, session.containerId).then(
      (list) => new Set(list.filter((p) => p.protocol === 'tcp').map((p) => p.hostPort)),
    );
    portCache.set(session.id, { at: Date.now(), ports });
    ports.catch(() => portCache.delete(session.id));
    return ports;
  };

  const resolve = async (req: IncomingMessage): Promise<Target | string> => {
    const url = req.url ?? '/';
    const match = PREFIX.exec(url.split('?')[0]!);
    let token: string;
    let port: number;
    let path: string;
    let remember: string | undefined;
    const byHost = HOST_LABEL.exec(req.headers.host ?? '');
    if (byHost) {
      // A host name of its own (PREVIEW_ORIGIN with a `*`): the whole origin is this sandbox's port.
      const session = sessions.byPreviewHost(byHost[1]!.toLowerCase());
      if (!session) return 'This preview link belongs to no running sandbox.';
      return checkedTarget(session, Number(byHost[2]), url);
    }
    if (match) {
      token = match[1]!;
      port = Number(match[2]);
      path = (match[3] ?? '/') + (url.includes('?') ? url.slice(url.indexOf('?')) : '');
      remember = `${token}/${port}`;
    } else {
      const last = /^([A-Za-z0-9_-]{32})\/(\d{1,5})$/.exec(parseCookies(req.headers.cookie)[COOKIE] ?? '');
      if (!last) return 'This is the port preview of Dockyard Lessons: open a port from the lesson page.';
      token = last[1]!;
      port = Number(last[2]);
      path = url;
    }
    const session = sessions.byPreviewToken(token);
    if (!session) return 'This preview link belongs to no running sandbox.';
    return checkedTarget(session, port, path, remember);
  };

  const checkedTarget = async (session: Session, port: number, path: string, remember?: string): Promise<Target | string> => {
    if (!(await publishedPorts(session)).has(port)) return `No container in your sandbox publishes port ${port}.`;
    session.address ??= await driver.address(session.containerId);
    sessions.touch(session);
    return { session, port, path, remember };
  };

  const refuse = (res: ServerResponse, message: string, status = 404) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`${message}\n`);
  };

  const remembered = new WeakMap<IncomingMessage, string>();
  const scrubRequest = (proxyReq: { removeHeader(name: string): void; setHeader(name: string, value: string): void }, req: IncomingMessage) => {
    const cookie = withoutOurCookies(req.headers.cookie);
    if (cookie) proxyReq.setHeader('cookie', cookie);
    else proxyReq.removeHeader('cookie');
  };
  proxy.on('proxyReq', (proxyReq, req) => scrubRequest(proxyReq, req));
  proxy.on('proxyReqWs', (proxyReq, req) => scrubRequest(proxyReq, req));
  proxy.on('proxyRes', (proxyRes, req) => {
    // Whatever the app sends, the engine forwards only what Node can write.
    if (proxyRes.statusMessage && UNSAFE_HEADER_TEXT.test(proxyRes.statusMessage)) proxyRes.statusMessage = '';
    for (const [name, value] of Object.entries(proxyRes.headers)) {
      const values = Array.isArray(value) ? value : [value ?? ''];
      if (values.some((text) => UNSAFE_HEADER_TEXT.test(text))) delete proxyRes.headers[name];
    }
    const setCookies = (proxyRes.headers['set-cookie'] ?? []).filter((line) => !isOurCookie(line.split('=')[0]!.trim()));
    const remember = remembered.get(req);
    if (remember) setCookies.push(`${COOKIE}=${remember}; Path=/; HttpOnly; SameSite=Lax`);
    if (setCookies.length > 0) proxyRes.headers['set-cookie'] = setCookies;
    else delete proxyRes.headers['set-cookie'];
  });

  proxy.on('error', (error, _req, res) => {
    log.debug('preview.proxy.error', { error });
    if (res && 'writeHead' in res && !res.headersSent) refuse(res as ServerResponse, 'The app behind this port did not answer. Is it still running?', 502);
    else (res as Duplex | undefined)?.destroy();
  });

  const server = createServer((req, res) => {
    resolve(req)
      .then((target) => {
        if (typeof target === 'string') return refuse(res, target);
        if (target.remember) remembered.set(req, target.remember);
        req.url = target.path;
        proxy.web(req, res, { target: `http://${target.session.address}:${target.port}` });
      })
      .catch((error: Error) => {
        log.warn('preview.failed', { error });
        refuse(res, 'The preview could not reach your sandbox.', 502);
      });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands over the raw socket without an error listener: a reset while the sandbox is looked up must not throw.
    socket.on('error', () => socket.destroy());
    resolve(req)
      .then((target) => {
        if (typeof target === 'string') return socket.destroy();
        req.url = target.path;
        proxy.ws(req, socket, head, { target: `http://${target.session.address}:${target.port}` });
      })
      .catch(() => socket.destroy());
  });
  return server;
}
