import { createWebSocketInspector } from '@statelyai/inspect';
import { createInspectorServer } from '@statelyai/inspect/server';
import type { InspectionEvent } from 'xstate';

/** Options of {@link startStatelyBridge}. */
export interface StatelyBridgeOptions {
  /**
   * A WebSocket that receives the inspection events. When absent, `@statelyai/inspect`'s own
   * bridge server is started on {@link StatelyBridgeOptions.port} and used.
   */
  url?: string;
  /** Port of the local bridge server (8080 by default, as in `@statelyai/inspect`). */
  port?: number;
  /** Open the bridge page (which embeds stately.ai/inspect) in the default browser. */
  open?: boolean;
}

/** A connection to Stately's inspector. */
export interface StatelyBridge {
  /** The page to open (the local bridge), or the WebSocket the events go to. */
  url: string;
  /** Forwards one inspection event of the replaying actor. */
  inspect(event: InspectionEvent): void;
  close(): void;
}

/**
 * Sends the inspection events of the replaying actor to Stately's inspector through
 * `@statelyai/inspect`'s WebSocket inspector, so a user with internet sees the run there too.
 *
 * @example
 * const bridge = startStatelyBridge({ port: 8080, open: true });
 * await startInspector({ file: 'deal.jsonl', inspect: bridge.inspect });
 */
export function startStatelyBridge(options: StatelyBridgeOptions = {}): StatelyBridge {
  const port = options.port ?? 8080;
  const server =
    options.url === undefined
      ? createInspectorServer({ port, autoOpen: options.open ?? false })
      : undefined;
  const url = options.url ?? `ws://localhost:${port}`;
  // A log may hold many events before the socket opens; keep them all rather than the last 200.
  const inspector = createWebSocketInspector({ url, maxDeferredEvents: 1_000_000 });
  return {
    url: server ? `http://localhost:${port}` : url,
    inspect: (event) => inspector.inspect.next?.(event),
    close: () => {
      inspector.stop();
      server?.stop();
    },
  };
}
