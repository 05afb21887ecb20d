import { StoreError } from '../../events/index.js';

let loaded: Promise<typeof import('pg')> | undefined;

/**
 * The `pg` driver, imported on first use only: commands that never touch PostgreSQL do not
 * load it.
 *
 * @example
 * const { Pool } = await loadPg();
 */
export function loadPg(): Promise<typeof import('pg')> {
  loaded ??= import('pg').catch((error: unknown) => {
    loaded = undefined;
    throw new StoreError(
      'the PostgreSQL driver (the pg package) is not installed; run npm install pg',
      { cause: error },
    );
  });
  return loaded;
}
