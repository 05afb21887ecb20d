import type { Client } from 'pg';
import { loadPg } from './loadPg.js';
import type { PgConnection } from './pgConnection.js';
import { pgStoreError } from './pgErrors.js';

/** The channel every append notifies, with `{"stream": name, "head": seq}`. */
export const NOTIFY_CHANNEL = 'truce_events';

/** How long a listener waits before connecting again after losing its connection, in ms. */
const RECONNECT_MS = 1_000;

/**
 * Calls `onAppend` after each append to `stream`, from any process (`LISTEN` on
 * {@link NOTIFY_CHANNEL}), and once after a lost connection is re-established (appends may have
 * been missed meanwhile). Returns the stop.
 *
 * @example
 * const stop = await listen(db, 'nov-2023', () => refresh());
 */
export async function listen(
  db: PgConnection,
  stream: string,
  onAppend: () => void,
): Promise<() => Promise<void>> {
  await db.checkSchema();
  const { Client } = await loadPg();
  let stopped = false;
  let client: Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const later = () => {
    retry = setTimeout(reconnect, RECONNECT_MS);
    retry.unref();
  };
  const connect = async (): Promise<void> => {
    const next = new Client(db.clientConfig());
    next.on('error', () => undefined);
    next.on('notification', (message) => {
      if (message.channel !== NOTIFY_CHANNEL || message.payload === undefined) return;
      if (streamOf(message.payload) === stream) onAppend();
    });
    next.on('end', () => {
      if (stopped || client !== next) return;
      client = undefined;
      later();
    });
    await next.connect();
    await next.query(`LISTEN ${NOTIFY_CHANNEL}`);
    client = next;
  };
  const reconnect = () => {
    if (stopped) return;
    connect().then(onAppend, later);
  };
  try {
    await connect();
  } catch (error) {
    throw pgStoreError(error, db.url, 'listen');
  }
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}

/** The stream a notification names, or undefined when it is not one of ours. */
function streamOf(payload: string): unknown {
  try {
    return (JSON.parse(payload) as { stream?: unknown } | null)?.stream;
  } catch {
    return undefined;
  }
}
