import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { replayLog } from '../replay/index.js';
import {
  type EventStore,
  FileEventStore,
  migrateDatabase,
  type NewEvent,
  PostgresEventStore,
} from '../store/index.js';
import { startPg } from '../test/store/pgCluster.js';

const RUNS = 3;
const SINGLE_APPENDS = Number(process.env.N ?? 200);
const BATCHES = 20;
const BATCH_SIZE = 1_000;

const opened = {
  id: 'open',
  type: 'negotiation.opened',
  at: '2023-11-22T08:00:00Z',
  data: {
    title: 'Bench talks',
    parties: [
      { id: 'israel', name: 'Israel', role: 'principal' },
      { id: 'hamas', name: 'Hamas', role: 'principal' },
    ],
  },
} as NewEvent;

function aid(id: string): NewEvent {
  return {
    id,
    type: 'aid.delivered',
    at: '2023-11-24T10:00:00Z',
    data: { region: 'south', trucks: 200 },
    source: { name: 'UN OCHA', confidence: 'reported' },
  } as NewEvent;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

async function singleRate(store: EventStore): Promise<number> {
  await store.append([opened]);
  const started = performance.now();
  for (let i = 0; i < SINGLE_APPENDS; i++) await store.append([aid(`s${i}`)]);
  return SINGLE_APPENDS / ((performance.now() - started) / 1000);
}

async function batchRate(store: EventStore): Promise<number> {
  await store.append([opened]);
  const started = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    await store.append(Array.from({ length: BATCH_SIZE }, (_, i) => aid(`b${b}-${i}`)));
  }
  return (BATCHES * BATCH_SIZE) / ((performance.now() - started) / 1000);
}

async function replayRate(source: string | AsyncIterable<Uint8Array>): Promise<number> {
  const started = performance.now();
  const { events } = await replayLog(source, { file: 'bench' });
  if (events !== BATCHES * BATCH_SIZE + 1) throw new Error(`replayed ${events} events`);
  return events / ((performance.now() - started) / 1000);
}

/**
 * The PostgreSQL store beside the JSONL file store, same machine, same run, alternating: durable
 * single appends, batches of 1,000, and replay (read + decode + statechart + projections) of the
 * 20,001 events the batches wrote. A throwaway PostgreSQL 15 cluster with fsync on (its data
 * folder under the same temporary folder as the file store's logs), or `TRUCE_BENCH_PG_URL`.
 * Medians of three runs, and the ratio PostgreSQL / file.
 */
export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'truce-bench-pg-'));
  const given = process.env.TRUCE_BENCH_PG_URL;
  const server = given ? { url: given, stop: () => undefined } : await startPg({ fsync: true });
  const stores: PostgresEventStore[] = [];
  const pgStore = (label: string) => {
    const store = new PostgresEventStore({
      url: server.url,
      stream: `bench-${label}-${randomBytes(4).toString('hex')}`,
    });
    stores.push(store);
    return store;
  };
  try {
    await migrateDatabase(server.url);
    const figures = {
      fileSingle: [] as number[],
      pgSingle: [] as number[],
      fileBatch: [] as number[],
      pgBatch: [] as number[],
      fileReplay: [] as number[],
      pgReplay: [] as number[],
    };
    for (let r = 0; r < RUNS; r++) {
      figures.fileSingle.push(await singleRate(new FileEventStore(join(dir, `single-${r}.jsonl`))));
      figures.pgSingle.push(await singleRate(pgStore('single')));
      const file = join(dir, `batch-${r}.jsonl`);
      figures.fileBatch.push(await batchRate(new FileEventStore(file)));
      const pg = pgStore('batch');
      figures.pgBatch.push(await batchRate(pg));
      figures.fileReplay.push(await replayRate(file));
      figures.pgReplay.push(await replayRate(pg.lines()));
    }
    const line = (what: string, file: number[], pg: number[], unit: string) =>
      console.log(
        `${what.padEnd(34)} file ${fmt(median(file)).padStart(8)} ${unit}   PostgreSQL ${fmt(median(pg)).padStart(8)} ${unit}   PostgreSQL/file ${(median(pg) / median(file)).toFixed(2)}×`,
      );
    console.log(
      `PostgreSQL: ${given ? 'TRUCE_BENCH_PG_URL' : 'a throwaway PostgreSQL 15 cluster, fsync on'}; files in ${dir}`,
    );
    line('durable single appends', figures.fileSingle, figures.pgSingle, 'events/s');
    line(`batches of ${fmt(BATCH_SIZE)}`, figures.fileBatch, figures.pgBatch, 'events/s');
    line(
      `replay of ${fmt(BATCHES * BATCH_SIZE + 1)} events`,
      figures.fileReplay,
      figures.pgReplay,
      'events/s',
    );
  } finally {
    await Promise.all(stores.map((store) => store.close()));
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
