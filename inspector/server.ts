import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP, isIPv4 } from 'node:net';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InspectionEvent } from 'xstate';
import { StoreError } from '../events/index.js';
import type { LogSource } from '../store/index.js';
import { type ReportView, STEP_WINDOW, type StepReportView, type StepsView } from './protocol.js';
import { LogSession } from './session.js';

/** Options of {@link startInspector}. */
export interface InspectorOptions {
  /** The log file to show and follow. */
  file: string;
  /** TCP port; 0 picks a free one. {@link DEFAULT_INSPECTOR_PORT} by default. */
  port?: number;
  /** Interface to bind; loopback only unless the user says otherwise. */
  host?: string;
  /** Where the bundled page lives; `dist/inspector/assets` by default. */
  assetsDir?: string;
  /** Receives the inspection events of the replaying actor (the Stately bridge). */
  inspect?: (event: InspectionEvent) => void;
  /** Polling interval of the log file in ms. */
  pollMs?: number;
  /** Read the log from here (a PostgreSQL stream) instead of `file`, which is then its name. */
  source?: LogSource;
  /** Where a warning goes (binding beyond loopback); stderr by default. */
  warn?: (message: string) => void;
  /** Told of each line read, as the session's `onRead`: its first read is the inspector's start. */
  onRead?: (lines: number, bytes: number) => void;
  /**
   * Bytes a live page may leave unread before it is dropped (1 MiB by default); it reconnects
   * and gets the whole view again, so a stalled client costs bounded memory.
   */
  maxBufferedBytes?: number;
}

/** A running inspector. */
export interface InspectorServer {
  /** The page's address, e.g. `http://127.0.0.1:4710/`. */
  url: string;
  port: number;
  session: LogSession;
  /** How many pages follow the log live right now. */
  readonly liveCount: number;
  /** Stops watching, ends live connections and closes the server. */
  close(): Promise<void>;
}

/** The port `truce inspect` listens on unless `--port` says otherwise. */
export const DEFAULT_INSPECTOR_PORT = 4710;

/** No inline script or style, nothing from elsewhere, no framing, no forms. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Default place of the page bundle, `dist/inspector/assets`: next to the compiled server, or
 * found walking up from the command line's bundle (`dist/cli/chunks/`, scripts/build-cli.mjs).
 */
export function defaultAssetsDir(): string {
  const here = fileURLToPath(new URL('./assets/', import.meta.url));
  for (let dir = dirname(here); dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, 'inspector', 'assets');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return here;
}

/**
 * Starts the local inspector for one log: serves the bundled page and that log's data, nothing
 * else, and pushes changes of the log to open pages over Server-Sent Events.
 *
 * @example
 * const inspector = await startInspector({ file: 'deal.jsonl', port: 0 });
 * console.log(inspector.url);
 * await inspector.close();
 */
export async function startInspector(options: InspectorOptions): Promise<InspectorServer> {
  const host = options.host ?? '127.0.0.1';
  const assets = loadAssets(options.assetsDir ?? defaultAssetsDir());
  const session = new LogSession(options.file, {
    ...(options.inspect ? { inspect: options.inspect } : {}),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    ...(options.source ? { source: options.source } : {}),
    ...(options.onRead ? { onRead: options.onRead } : {}),
  });
  await session.refresh();
  session.watch();

  const live = new Set<ServerResponse>();
  let port = 0;
  const server: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error');
      else res.end();
    }
  });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostAllowed(req.headers.host, host, port)) {
      send(res, 403, 'text/plain; charset=utf-8', 'forbidden host');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
      return;
    }
    const path = routePath(req.url ?? '');
    // The page is told the log's name, never where it lies on disk.
    if (path === '/' || path === '/index.html') {
      const page = assets.get('index.html');
      if (page) {
        send(res, 200, TYPES['.html'] ?? '', page);
        return;
      }
    } else if (path.startsWith('/assets/')) {
      const name = path.slice('/assets/'.length);
      const body = name === 'index.html' ? undefined : assets.get(name);
      if (body) {
        send(res, 200, TYPES[extname(name)] ?? 'application/octet-stream', body);
        return;
      }
    } else if (path === '/api/machine') {
      sendJson(res, LogSession.graph);
      return;
    } else if (path === '/api/log') {
      sendJson(res, session.view());
      return;
    } else if (path === '/api/live') {
      openLive(res);
      return;
    } else if (path.startsWith('/api/steps/')) {
      const match = /^\/api\/steps\/(0|[1-9][0-9]{0,9})$/.exec(path);
      const start = match ? Number(match[1]) : -1;
      const revision = session.revision;
      if (start >= 0 && start <= session.count) {
        // The latest steps are at hand; older ones are read again from the log.
        session.steps(start, start + STEP_WINDOW).then(
          (steps) => {
            if (steps === undefined || revision !== session.revision)
              send(res, 404, 'text/plain; charset=utf-8', 'not found');
            else sendJson(res, { revision, start, steps } satisfies StepsView);
          },
          () => send(res, 500, 'text/plain; charset=utf-8', 'internal error'),
        );
        return;
      }
    } else {
      // `/api/step/SEQ` (what the page shows) and `/api/report/SEQ` (the whole report).
      const match = /^\/api\/(step|report)\/(0|[1-9][0-9]{0,9})$/.exec(path);
      if (match) {
        const seq = Number(match[2]);
        const revision = session.revision;
        const answer: Promise<StepReportView | ReportView | undefined> =
          match[1] === 'step'
            ? session.stepReport(seq).then((view) => view && { revision, ...view })
            : session.report(seq).then((report) => report && { revision, seq, report });
        answer.then(
          (body) => {
            if (body) sendJson(res, body);
            else send(res, 404, 'text/plain; charset=utf-8', 'not found');
          },
          () => send(res, 500, 'text/plain; charset=utf-8', 'internal error'),
        );
        return;
      }
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found');
  };

  const openLive = (res: ServerResponse): void => {
    res.writeHead(200, {
      ...securityHeaders(),
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
    });
    res.write(`retry: 500\n\ndata: ${JSON.stringify(session.view())}\n\n`);
    live.add(res);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    keepAlive.unref();
    res.on('close', () => {
      clearInterval(keepAlive);
      live.delete(res);
    });
  };

  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  session.subscribe((delta) => {
    const message = `data: ${JSON.stringify(delta)}\n\n`;
    for (const res of live) {
      // A page that does not read is dropped, not buffered for without bound; it reconnects.
      if (res.writableLength > maxBuffered) {
        live.delete(res);
        res.destroy();
        continue;
      }
      res.write(message);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      session.close();
      reject(
        new StoreError(
          error.code === 'EADDRINUSE'
            ? `port ${options.port} on ${host} is in use; choose another with --port`
            : `cannot listen on ${host}:${options.port}: ${error.message}`,
          { cause: error },
        ),
      );
    });
    server.listen(options.port ?? DEFAULT_INSPECTOR_PORT, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  port = address.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  if (!isLoopback(address.address)) {
    (options.warn ?? ((m: string) => process.stderr.write(`${m}\n`)))(
      `warning: the inspector listens on ${shown}:${port}, beyond this machine: anyone who can reach that address can read ${basename(options.file)}; use --host 127.0.0.1 unless you mean it`,
    );
  }

  return {
    url: `http://${shown}:${port}/`,
    port,
    session,
    get liveCount() {
      return live.size;
    },
    close: async () => {
      session.close();
      for (const res of live) res.end();
      live.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads the page bundle once: only these files are ever served. */
function loadAssets(dir: string): Map<string, Buffer> {
  const assets = new Map<string, Buffer>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new StoreError(
      `the inspector page is not built (${dir} is missing); run npm run build first`,
      { cause: error },
    );
  }
  for (const name of names) {
    if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && TYPES[extname(name)]) {
      assets.set(name, readFileSync(join(dir, name)));
    }
  }
  return assets;
}

/** The request's path as sent (no decoding, no normalising): anything unusual matches no route. */
function routePath(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/** Whether an address the server is bound to is reachable from this machine only. */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || (isIPv4(v4) && v4.startsWith('127.'));
}

/**
 * Whether a request's Host header may be answered, for any bound address: an IP literal (a
 * page that reaches it by address is not a rebinding attack), `localhost`, or the very name the
 * server was bound to, with the server's port or none. A DNS-rebinding page sends its own
 * domain name, which is refused.
 */
export function hostAllowed(header: string | undefined, bound: string, port: number): boolean {
  if (header === undefined) return false;
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(header.trim());
  if (!match) return false;
  const name = (match[1] as string).toLowerCase();
  const givenPort = match[2];
  if (givenPort !== undefined && givenPort !== String(port)) return false;
  const bare = name.startsWith('[') ? name.slice(1, -1) : name;
  const boundName = bound.toLowerCase().replace(/^\[|\]$/g, '');
  return isIP(bare) !== 0 || bare === 'localhost' || bare === boundName;
}

function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { ...securityHeaders(), 'Content-Type': type });
  res.end(body);
}

function sendJson(res: ServerResponse, value: unknown): void {
  send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));
}
