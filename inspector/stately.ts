import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createInspector,
  createWebSocketInspector,
  type StatelyInspectionEvent,
} from '@statelyai/inspect';
import { WebSocket, WebSocketServer } from 'ws';
import type { InspectionEvent } from 'xstate';
import { StoreError } from '../events/index.js';

/** Options of {@link startStatelyBridge}. */
export interface StatelyBridgeOptions {
  /**
   * A WebSocket that receives the inspection events (`@statelyai/inspect`'s
   * `createWebSocketInspector`). When absent, truce serves its own bridge page.
   */
  url?: string;
  /** Port of the local bridge page (8080 by default, as in `@statelyai/inspect`). */
  port?: number;
  /** Interface of the local bridge; 127.0.0.1 by default. */
  host?: string;
}

/** A connection to Stately's inspector. */
export interface StatelyBridge {
  /** The bridge page to open, or the WebSocket the events go to. */
  url: string;
  /** Forwards one inspection event of the replaying actor. */
  inspect(event: InspectionEvent): void;
  close(): Promise<void>;
}

/** Where the bridge page embeds Stately's inspector from. */
export const STATELY_INSPECTOR_URL = 'https://stately.ai/inspect';

/**
 * Sends the inspection events of the replaying actor to Stately's inspector with
 * `@statelyai/inspect`, so a user with internet sees the run there too. Without `url`, it
 * serves a bridge page on 127.0.0.1 that embeds stately.ai/inspect and relays the events to it
 * over a WebSocket only that page (same origin) may open; a page opened late gets the whole run.
 *
 * @example
 * const bridge = await startStatelyBridge({ port: 8080 });
 * await startInspector({ file: 'deal.jsonl', inspect: bridge.inspect });
 */
export async function startStatelyBridge(
  options: StatelyBridgeOptions = {},
): Promise<StatelyBridge> {
  if (options.url !== undefined) {
    // A log may hold many events before the socket opens: keep them all, not the last 200.
    const inspector = createWebSocketInspector({ url: options.url, maxDeferredEvents: 1_000_000 });
    return {
      url: options.url,
      inspect: (event) => inspector.inspect.next?.(event),
      close: async () => inspector.stop(),
    };
  }

  const host = options.host ?? '127.0.0.1';
  const sent: string[] = [];
  let port = 0;
  const origins = () => new Set([`http://localhost:${port}`, `http://127.0.0.1:${port}`]);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const headers = {
      'Content-Security-Policy': `default-src 'none'; script-src 'self'; frame-src ${STATELY_INSPECTOR_URL.replace(/\/inspect$/, '')}; connect-src 'self' ws://localhost:${port} ws://127.0.0.1:${port}; base-uri 'none'`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    };
    if (!sameHost(req, port)) {
      res.writeHead(403, headers).end();
    } else if (path === '/') {
      res
        .writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' })
        .end(BRIDGE_HTML);
    } else if (path === '/bridge.js') {
      res
        .writeHead(200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' })
        .end(BRIDGE_JS);
    } else {
      res.writeHead(404, headers).end();
    }
  });
  // Only the bridge page itself may listen: a web page elsewhere cannot read the run.
  const sockets = new WebSocketServer({
    server,
    verifyClient: ({ origin }: { origin?: string }) =>
      origin !== undefined && origins().has(origin),
  });
  sockets.on('connection', (socket) => {
    for (const message of sent) socket.send(message);
  });
  const inspector = createInspector({
    send(event: StatelyInspectionEvent) {
      const message = JSON.stringify(event);
      sent.push(message);
      for (const client of sockets.clients) {
        if (client.readyState === WebSocket.OPEN) client.send(message);
      }
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new StoreError(
          error.code === 'EADDRINUSE'
            ? `port ${options.port ?? 8080} is in use; choose another with --stately-port`
            : `cannot start the Stately bridge: ${error.message}`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.port ?? 8080, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/`,
    inspect: (event) => inspector.inspect.next?.(event),
    close: async () => {
      inspector.stop();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sameHost(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host ?? '';
  return host === `localhost:${port}` || host === `127.0.0.1:${port}`;
}

const BRIDGE_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>truce → Stately inspector</title>
  <script src="/bridge.js" defer></script>
</head>
<body>
  <iframe id="inspector" title="Stately inspector" src="${STATELY_INSPECTOR_URL}"></iframe>
</body>
</html>
`;

// The page's script, served as a file so the page needs no inline script.
const BRIDGE_JS = `document.documentElement.style.height = '100%';
document.body.style.cssText = 'margin:0;height:100%';
const iframe = document.getElementById('inspector');
iframe.style.cssText = 'width:100%;height:100%;border:0';
const buffer = [];
let connected = false;
window.addEventListener('message', (e) => {
  if (e.source === iframe.contentWindow && e.data && e.data.type === '@statelyai.connected') {
    connected = true;
    for (const event of buffer) iframe.contentWindow.postMessage(event, '${new URL(STATELY_INSPECTOR_URL).origin}');
    buffer.length = 0;
  }
});
const ws = new WebSocket('ws://' + location.host);
ws.onmessage = (message) => {
  const data = JSON.parse(message.data);
  if (connected) iframe.contentWindow.postMessage(data, '${new URL(STATELY_INSPECTOR_URL).origin}');
  else buffer.push(data);
};
`;
