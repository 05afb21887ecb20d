import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, PostgresEventStore } from '../../store/index.js';
import { storeContract } from './contract.js';
import { aid, opened } from './fixtures.js';
import { type PgForTests, pgSkipReason, startPg } from './pgCluster.js';

const skip = pgSkipReason();
let pg: PgForTests | undefined;
const stores: PostgresEventStore[] = [];
const freshStream = (label = 's') => `${label}-${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  if (skip) return;
  pg = await startPg();
  await migrateDatabase(pg.url);
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  pg?.stop();
});

function open(stream = freshStream()): PostgresEventStore {
  const store = new PostgresEventStore({ url: (pg as PgForTests).url, stream });
  stores.push(store);
  return store;
}

describe.skipIf(skip !== undefined)('PostgresEventStore', () => {
  storeContract('postgres', async () => {
    const store = open();
    return { store, close: () => store.close() };
  });

  it('smoke', async () => {
    const store = open();
    await store.append([opened(), aid('a1')]);
    expect(await store.head()).toBe(2);
  });
});
