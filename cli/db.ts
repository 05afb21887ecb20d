import type { Command } from 'commander';
import { TruceError } from '../events/index.js';
import { migrateDatabase, parseStoreUrl } from '../store/index.js';
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
 * database. Safe to run again: it applies only what is missing.
 *
 * @example
 * registerDb(program); // truce db migrate --store postgresql://localhost/truce
 */
export function registerDb(program: Command): void {
  const db = program.command('db').description('set up the PostgreSQL database that --store names');
  db.command('migrate')
    .description('create or upgrade the truce tables (safe to run again)')
    .addOption(storeOption())
    .action(async (options: { store?: string }) => {
      const url = storeUrlOf(options.store);
      const { applied, version } = await migrateDatabase(url);
      process.stdout.write(
        applied.length === 0
          ? `${url.redacted}: truce schema already at version ${version}; nothing to do\n`
          : `${url.redacted}: truce schema migrated to version ${version} (applied ${applied.join(', ')})\n`,
      );
    });
}
