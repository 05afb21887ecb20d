import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fileChunks } from '../events/index.js';
import { replayLog } from '../replay/index.js';
import { FileEventStore, migrateDatabase, PostgresEventStore } from '../store/index.js';
import { startPg } from '../test/store/pgCluster.js';
import { BATCH_SIZE, BATCHES, batchAppendRate, singleAppendRate } from './appendRates.js';
import { compare, printComparison } from './measure.js';

async function replayRate(source: string | AsyncIterable<Uint8Array>): Promise<number> {
  const started = performance.now();
  const { events } = await replayLog(source, { file: 'bench' });
  if (events !== BATCHES * BATCH_SIZE + 1) throw new Error(`replayed ${events} events`);
  return events / ((performance.now() - started) / 1000);
}

/**
 * The PostgreSQL store beside the JSONL file store, same machine, same run, alternating: durable
 * single appends, batches of 1,000, and replay (read + decode + statechart + projections) of the
 * 20,001 events the batches wrote, an import of the file they wrote against its replay, and the
 * state after them from the first event against from
 * the snapshot the appends stored (what `status` of a stream does), and at seq 19,500 from the
 * first event against from the checkpoint before it (what `--until` before the snapshot does).
 * A throwaway PostgreSQL 15 cluster with fsync on (its data folder under the same temporary
 * folder as the file store's logs), or `TRUCE_BENCH_PG_URL`.
 * Medians of five interleaved runs, and the ratio PostgreSQL / file (the baseline).
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
      // Checkpoints about as far apart, for its 20,001 events, as a million-event stream's
      // 65,536 (6.5% of it): every 1,024 (5%).
      checkpointEvery: 1_024,
    });
    stores.push(store);
    return store;
  };
  try {
    await migrateDatabase(server.url);
    console.log(
      `PostgreSQL: ${given ? 'TRUCE_BENCH_PG_URL' : 'a throwaway PostgreSQL 15 cluster, fsync on'}; files in ${dir}`,
    );
    let run = 0;
    const rate = (perSecond: number) => ({ perSecond });
    const print = (result: Awaited<ReturnType<typeof compare>>) =>
      printComparison(result, { figure: 'perSecond', unit: 'events/s' });
    print(
      await compare({
        bench: 'postgres-single',
        baseline: {
          label: 'file store, durable single appends',
          run: async () =>
            rate(await singleAppendRate(new FileEventStore(join(dir, `single-${run++}.jsonl`)))),
        },
        subjects: [
          {
            label: 'PostgreSQL, durable single appends',
            run: async () => rate(await singleAppendRate(pgStore('single'))),
          },
        ],
      }),
    );
    // The replays read what the batch runs wrote: the file's and the stream's last batch logs.
    let file = '';
    let pg: PostgresEventStore | undefined;
    print(
      await compare({
        bench: 'postgres-batch',
        baseline: {
          label: `file store, batches of ${BATCH_SIZE.toLocaleString('en')}`,
          run: async () => {
            file = join(dir, `batch-${run++}.jsonl`);
            return rate(await batchAppendRate(new FileEventStore(file)));
          },
        },
        subjects: [
          {
            label: `PostgreSQL, batches of ${BATCH_SIZE.toLocaleString('en')}`,
            run: async () => {
              pg = pgStore('batch');
              return rate(await batchAppendRate(pg));
            },
          },
        ],
      }),
    );
    const events = (BATCHES * BATCH_SIZE + 1).toLocaleString('en');
    print(
      await compare({
        bench: 'postgres-replay',
        baseline: {
          label: `file, replay of ${events} events`,
          run: async () => rate(await replayRate(file)),
        },
        subjects: [
          {
            label: `PostgreSQL, replay of ${events} events`,
            run: async () => rate(await replayRate((pg as PostgresEventStore).lines())),
          },
          // `truce import` of the same file: read and checked as a replay reads it, then written.
          {
            label: `PostgreSQL, import of those ${events} events`,
            run: async () => {
              const started = performance.now();
              const { written } = await pgStore('import').importLog(
                fileChunks(file, { chunkSize: 1 << 20, name: file }),
                { file },
              );
              if (written !== BATCHES * BATCH_SIZE + 1) throw new Error(`imported ${written}`);
              return rate(written / ((performance.now() - started) / 1000));
            },
          },
        ],
      }),
    );
    // `status` of a stream: the state after its last event from the first event, against from
    // the snapshot its appends stored (the batches' stream has one at its head); and a seq
    // before the snapshot, from the first event against from the checkpoint before it.
    const stateAt = async (fromSnapshot: boolean, until = BATCHES * BATCH_SIZE + 1) => {
      const store = pg as PostgresEventStore;
      const started = performance.now();
      const from = fromSnapshot ? await store.replayStart({ until }) : undefined;
      if (fromSnapshot && from === undefined) throw new Error('the stream has no stored state');
      const { events: replayed } = await replayLog(store.lines({ from: (from?.seq ?? 0) + 1 }), {
        file: 'bench',
        until,
        ...(from === undefined ? {} : { from }),
      });
      if (replayed !== until) throw new Error(`replayed ${replayed} events`);
      return { ms: performance.now() - started };
    };
    const before = BATCHES * BATCH_SIZE - 500;
    printComparison(
      await compare({
        bench: 'postgres-state',
        baseline: {
          label: `PostgreSQL, state after ${events} events, from the first`,
          run: () => stateAt(false),
        },
        subjects: [
          {
            label: `PostgreSQL, state after ${events} events, from its snapshot`,
            run: () => stateAt(true),
          },
          {
            label: `PostgreSQL, state at seq ${before.toLocaleString('en')}, from the first`,
            run: () => stateAt(false, before),
          },
          {
            label: `PostgreSQL, state at seq ${before.toLocaleString('en')}, from a checkpoint`,
            run: () => stateAt(true, before),
          },
        ],
      }),
      { figure: 'ms', unit: 'ms', digits: 1 },
    );
  } finally {
    await Promise.all(stores.map((store) => store.close()));
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
