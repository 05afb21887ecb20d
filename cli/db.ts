import type { Command } from 'commander';
import { TruceError } from '../events/index.js';
import {
  CHECKPOINT_EVERY,
  listStreams,
  migrateDatabase,
  PostgresEventStore,
  parseStoreUrl,
  type StoreUrl,
} from '../store/index.js';
import {
  BOUNDED_HEAP_MIN_EVENTS,
  type BoundedHeap,
  boundHeapForLongReplay,
} from './boundedHeap.js';
import { escapeText } from './escape.js';
import { type Progress, startProgress } from './progress.js';
import { STORE_ENV, storeOption } from './source.js';

/** The `--store` URL of a command that needs a database, from the option or `TRUCE_STORE`. */
export function storeUrlOf(given: string | undefined, env: NodeJS.ProcessEnv = process.env) {
  const url = given ?? (env[STORE_ENV] || undefined);
  if (url === undefined) {
    throw new TruceError(
      'USAGE',
      `this command needs --store URL (a PostgreSQL database, e.g. postgresql://localhost/truce) or ${STORE_ENV}`,
    );
  }
  return parseStoreUrl(url);
}

/**
 * Adds `truce db migrate --store URL`: creates or upgrades the truce tables of a PostgreSQL
 * database, then stores the time-travel checkpoints its streams lack (history from before
 * schema version 2, rows deleted from that cache), unless `--no-checkpoints`. Safe to run
 * again: it applies and stores only what is missing.
 *
 * @example
 * registerDb(program); // truce db migrate --store postgresql://localhost/truce
 */
export function registerDb(program: Command): void {
  const db = program.command('db').description('set up the PostgreSQL database that --store names');
  db.command('migrate')
    .description(
      'create or upgrade the truce tables, and store the checkpoints for time travel that streams lack (safe to run again)',
    )
    .addOption(storeOption())
    .option(
      '--no-checkpoints',
      "only the tables: leave the streams' missing checkpoints for a later migrate",
    )
    .action(async (options: { store?: string; checkpoints: boolean }) => {
      const url = storeUrlOf(options.store);
      const { applied, version } = await migrateDatabase(url);
      process.stdout.write(
        applied.length === 0
          ? `${url.redacted}: truce schema already at version ${version}; nothing to do\n`
          : `${url.redacted}: truce schema migrated to version ${version} (applied ${applied.join(', ')})\n`,
      );
      if (options.checkpoints) await fillCheckpoints(url);
    });
}

/**
 * Stores the checkpoints each stream of the database lacks, a stream at a time, with progress
 * on a terminal, and says which it stored: a stream imported or appended to before schema
 * version 2 has none, and a query up to an earlier seq or instant replays it from its first
 * event until it has.
 */
async function fillCheckpoints(url: StoreUrl): Promise<void> {
  const refused: string[] = [];
  for (const { name, head } of await listStreams(url)) {
    // Shorter than one stretch between checkpoints: none can be missing, nothing to ask.
    if (head < CHECKPOINT_EVERY) continue;
    const store = new PostgresEventStore({ url, stream: name });
    let progress: Progress | undefined;
    let heap: BoundedHeap | undefined;
    try {
      const filled = await store
        .fillCheckpoints({
          onProgress: (events, total) => {
            progress ??= startProgress({
              what: `storing the checkpoints of stream ${name}`,
              totalEvents: total,
            });
            // This process is the command's: a long replay keeps its heap small (boundedHeap.ts).
            if (total >= BOUNDED_HEAP_MIN_EVENTS) heap ??= boundHeapForLongReplay();
            heap?.watch(events);
            progress.update(events);
          },
        })
        .catch((error: unknown) => {
          // A stream this truce's statechart or reader refuses (a log written under other
          // rules, or changed behind the database's back): the others are still filled.
          const refusal =
            error instanceof TruceError &&
            (error.code === 'INVALID_LOG' || error.code === 'REJECTED_EVENT');
          if (!refusal) throw error;
          progress?.done();
          process.stderr.write(
            `warning: stream ${name}: its checkpoints stop before the line this truce refuses: ${escapeText(error.message)}\n`,
          );
          refused.push(name);
          return undefined;
        });
      progress?.done();
      if (filled === undefined) continue;
      const { stored, from } = filled;
      if (stored.length === 0) continue;
      const seqs = stored.length === 1 ? `seq ${stored[0]}` : `seqs ${stored.join(', ')}`;
      process.stdout.write(
        `stream ${name}: stored ${stored.length} ${stored.length === 1 ? 'checkpoint' : 'checkpoints'} for time travel (${seqs}), replayed from ${from === 0 ? 'its first event' : `its checkpoint at seq ${from}`}\n`,
      );
    } finally {
      progress?.done();
      await store.close();
    }
  }
  if (refused.length > 0) {
    throw new TruceError(
      'INVALID_LOG',
      `${refused.length === 1 ? `stream ${refused[0]} does not` : `streams ${refused.join(', ')} do not`} replay under this truce (above); every query of ${refused.length === 1 ? 'it' : 'them'} will say so`,
    );
  }
}
