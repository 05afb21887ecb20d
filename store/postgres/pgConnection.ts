import type { Pool, PoolClient } from 'pg';
import { StoreError, TruceError } from '../../events/index.js';
import { loadPg } from './loadPg.js';
import { NewerSchemaError, SCHEMA_VERSION } from './migrations.js';
import { type PgAction, pgStoreError } from './pgErrors.js';
import type { StoreUrl } from './storeUrl.js';

/** How a {@link PgConnection} connects. */
export interface PgConnectionOptions {
  /** A pool to share; the connection makes its own (and closes it) otherwise. */
  pool?: Pool;
  /** How long to wait for a connection, in ms (10 s). */
  connectTimeoutMs?: number;
}

/**
 * One database as a store uses it: a pool made on first use (`pg` loaded only then), the
 * schema's version checked once before the first query, and every driver failure turned into
 * the store's one-sentence errors (`pgStoreError`), the URL's password redacted.
 *
 * @example
 * const db = new PgConnection(parseStoreUrl(url));
 * const rows = await db.query<{ head: string }>('read', 'SELECT head FROM truce.streams', []);
 */
export class PgConnection {
  readonly url: StoreUrl;
  readonly #options: PgConnectionOptions;
  #pool: Promise<Pool> | undefined;
  #ownPool = false;
  #checked: Promise<void> | undefined;

  constructor(url: StoreUrl, options: PgConnectionOptions = {}) {
    this.url = url;
    this.#options = options;
    if (options.pool) this.#pool = Promise.resolve(options.pool);
  }

  /** What a single client (a listener) connects with. */
  clientConfig() {
    return {
      connectionString: this.url.url,
      connectionTimeoutMillis: this.#options.connectTimeoutMs ?? 10_000,
      application_name: 'truce',
    };
  }

  /** Runs one statement on the pool, after the schema check. */
  async query<R extends object>(action: PgAction, sql: string, values: unknown[]): Promise<R[]> {
    await this.checkSchema();
    try {
      return (await (await this.#getPool()).query<R>(sql, values)).rows;
    } catch (error) {
      throw error instanceof TruceError ? error : pgStoreError(error, this.url, action);
    }
  }

  /** A client of the pool for a transaction, after the schema check; release it when done. */
  async client(): Promise<PoolClient> {
    await this.checkSchema();
    const pool = await this.#getPool();
    try {
      return await pool.connect();
    } catch (error) {
      throw pgStoreError(error, this.url, 'connect');
    }
  }

  /** Checks once that the schema is there and of this truce's version (again after a failure). */
  checkSchema(): Promise<void> {
    this.#checked ??= (async () => {
      const pool = await this.#getPool();
      let version: number;
      try {
        const { rows } = await pool.query<{ version: number | null }>(
          'SELECT max(version) AS version FROM truce.migrations',
        );
        version = rows[0]?.version ?? 0;
      } catch (error) {
        throw pgStoreError(error, this.url, 'connect');
      }
      if (version > SCHEMA_VERSION) {
        throw new StoreError(`${this.url.redacted}: ${new NewerSchemaError(version).message}`);
      }
      if (version < SCHEMA_VERSION) {
        throw new StoreError(
          `the database at ${this.url.redacted} has truce schema version ${version}, this truce needs ${SCHEMA_VERSION}; run truce db migrate --store URL`,
        );
      }
    })();
    this.#checked.catch(() => {
      this.#checked = undefined;
    });
    return this.#checked;
  }

  /** Closes the pool when it is this connection's own (a pool handed in stays open). */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool && this.#ownPool) await (await pool.catch(() => undefined))?.end();
  }

  #getPool(): Promise<Pool> {
    this.#pool ??= loadPg().then(({ Pool }) => {
      this.#ownPool = true;
      const pool = new Pool({ ...this.clientConfig(), max: 4, allowExitOnIdle: true });
      // An idle connection the server drops is replaced on next use, not a crash.
      pool.on('error', () => undefined);
      return pool;
    });
    return this.#pool;
  }
}
