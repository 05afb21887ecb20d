import type { ClientBase } from 'pg';
import { StoreError, TruceError } from '../../events/index.js';
import { loadPg } from './loadPg.js';
import { pgStoreError } from './pgErrors.js';
import { parseStoreUrl, type StoreUrl } from './storeUrl.js';

/** One step of the schema: applied once, in order, recorded in `truce.migrations`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The PostgreSQL schema of truce, oldest first. Never edit a released step: add one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'streams, events and snapshots',
    sql: `
CREATE TABLE truce.streams (
  name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 128),
  head bigint NOT NULL DEFAULT 0 CHECK (head >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE truce.streams IS 'One negotiation log per row; head is its last seq. Appends lock this row.';

CREATE TABLE truce.events (
  position bigserial PRIMARY KEY,
  stream text NOT NULL REFERENCES truce.streams (name),
  seq bigint NOT NULL CHECK (seq >= 1),
  id text NOT NULL,
  type text NOT NULL,
  v integer NOT NULL,
  at timestamptz NOT NULL,
  data jsonb NOT NULL,
  source jsonb,
  recorded_at timestamptz,
  stored_at timestamptz NOT NULL DEFAULT now(),
  line text NOT NULL,
  CONSTRAINT events_stream_seq UNIQUE (stream, seq),
  CONSTRAINT events_stream_id UNIQUE (stream, id)
);
COMMENT ON TABLE truce.events IS 'Append-only: every event of every stream, position being the global order.';
COMMENT ON COLUMN truce.events.line IS 'The log line exactly as written or imported, with its line end: what truce reads and exports.';
COMMENT ON COLUMN truce.events.at IS 'When it happened in the world (the event''s at).';
COMMENT ON COLUMN truce.events.recorded_at IS 'The event''s own recordedAt, when it has one.';
COMMENT ON COLUMN truce.events.stored_at IS 'When this database stored it.';

CREATE FUNCTION truce.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'truce.events is append-only: an event, once stored, is evidence'
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON truce.events
  FOR EACH ROW EXECUTE FUNCTION truce.refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON truce.events
  FOR EACH STATEMENT EXECUTE FUNCTION truce.refuse_change();

CREATE TABLE truce.snapshots (
  stream text PRIMARY KEY REFERENCES truce.streams (name),
  seq bigint NOT NULL,
  replay json NOT NULL
);
COMMENT ON TABLE truce.snapshots IS 'A cache: the replay state of a stream at a seq, so an append replays only the tail. Safe to delete.';
`,
  },
  {
    version: 2,
    name: 'checkpoints for time travel',
    sql: `
CREATE TABLE truce.checkpoints (
  stream text NOT NULL REFERENCES truce.streams (name),
  seq bigint NOT NULL CHECK (seq >= 1),
  max_at timestamptz NOT NULL,
  replay json NOT NULL,
  PRIMARY KEY (stream, seq)
);
COMMENT ON TABLE truce.checkpoints IS 'A cache: the replay state of a stream at earlier seqs, kept about every 65,536 events, so a replay up to a seq or an instant goes on from the nearest. Safe to delete.';
COMMENT ON COLUMN truce.checkpoints.max_at IS 'The latest at of the events up to seq: a replay by date goes on from here only if its instant is not earlier.';
`,
  },
];

/** The schema version this truce reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** What {@link migrate} did. */
export interface MigrateResult {
  /** The versions applied by this call, oldest first (empty when already up to date). */
  applied: number[];
  /** The schema version now. */
  version: number;
}

/**
 * Brings the `truce` schema up to {@link SCHEMA_VERSION} in one transaction, under an advisory
 * lock so two migrations at once do not collide. Idempotent: a second call applies nothing.
 * Throws when the database's schema is newer than this truce knows.
 *
 * @example
 * const { applied } = await migrate(client);
 */
export async function migrate(client: ClientBase): Promise<MigrateResult> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('truce.migrate'))`);
    const encoding = (await client.query<{ server_encoding: string }>('SHOW server_encoding'))
      .rows[0]?.server_encoding;
    if (encoding !== 'UTF8') {
      throw new StoreError(
        `the database's encoding is ${encoding}, truce needs UTF8 to keep every line as written; create one with createdb -E UTF8 -T template0 NAME`,
      );
    }
    await client.query('CREATE SCHEMA IF NOT EXISTS truce');
    await client.query(`CREATE TABLE IF NOT EXISTS truce.migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM truce.migrations ORDER BY version',
    );
    const done = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...done);
    if (newest > SCHEMA_VERSION) {
      throw new NewerSchemaError(newest);
    }
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO truce.migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return { applied, version: SCHEMA_VERSION };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The database's truce schema is newer than this program. */
export class NewerSchemaError extends Error {
  readonly version: number;
  constructor(version: number) {
    super(
      `the database's truce schema is version ${version}, newer than this truce knows (${SCHEMA_VERSION}); upgrade truce`,
    );
    this.version = version;
  }
}

/**
 * {@link migrate} on its own connection to `url`: what `truce db migrate` runs. Failures are
 * one sentence without the password (`StoreError`, exit 4).
 *
 * @example
 * const { applied, version } = await migrateDatabase('postgresql://localhost/truce');
 */
export async function migrateDatabase(
  url: string | StoreUrl,
  options: { connectTimeoutMs?: number } = {},
): Promise<MigrateResult> {
  const parsed = typeof url === 'string' ? parseStoreUrl(url) : url;
  const { Client } = await loadPg();
  const client = new Client({
    connectionString: parsed.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'truce',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await migrate(client);
  } catch (error) {
    if (error instanceof NewerSchemaError) {
      throw new StoreError(`${parsed.redacted}: ${error.message}`);
    }
    throw error instanceof TruceError ? error : pgStoreError(error, parsed, 'migrate');
  } finally {
    await client.end().catch(() => undefined);
  }
}
