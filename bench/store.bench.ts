import { mkdtempSync, rmSync } from 'node:fs';
import { open, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileEventStore, MemoryEventStore } from '../store/index.js';
import {
  aid,
  BATCH_SIZE,
  batchAppendRate,
  opened,
  SINGLE_APPENDS,
  singleAppendRate,
} from './appendRates.js';
import { compare, printComparison } from './measure.js';

const MEMORY_SIZES = process.env.N ? [] : [10_000, 100_000, 1_000_000];

/** Writes of one log-sized line, each followed by fsync: the disk's ceiling for durable appends. */
async function rawFsyncRate(dir: string): Promise<number> {
  const handle = await open(join(dir, 'raw.jsonl'), 'a');
  const line = Buffer.from(`${JSON.stringify({ seq: 1, ...aid('raw-line-000000') })}\n`);
  try {
    const started = performance.now();
    for (let i = 0; i < SINGLE_APPENDS; i++) {
      await handle.write(line, 0, line.length, null);
      await handle.sync();
    }
    return SINGLE_APPENDS / ((performance.now() - started) / 1000);
  } finally {
    await handle.close();
  }
}

/** The same, with a lock file created and removed around each write: what any lock-file writer pays. */
async function rawLockedFsyncRate(dir: string): Promise<number> {
  const handle = await open(join(dir, 'raw-locked.jsonl'), 'a');
  const line = Buffer.from(`${JSON.stringify({ seq: 1, ...aid('raw-line-000000') })}\n`);
  const lock = join(dir, 'raw-locked.jsonl.lock');
  try {
    const started = performance.now();
    for (let i = 0; i < SINGLE_APPENDS; i++) {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      await handle.write(line, 0, line.length, null);
      await handle.sync();
      await unlink(lock);
    }
    return SINGLE_APPENDS / ((performance.now() - started) / 1000);
  } finally {
    await handle.close();
  }
}

function singleAppendRateIn(dir: string, run: number): Promise<number> {
  return singleAppendRate(new FileEventStore(join(dir, `single-${run}.jsonl`)));
}

function batchAppendRateIn(dir: string, run: number): Promise<number> {
  return batchAppendRate(new FileEventStore(join(dir, `batch-${run}.jsonl`)));
}

async function memoryAppendMicros(count: number): Promise<number> {
  const store = new MemoryEventStore();
  await store.append([opened]);
  const started = performance.now();
  for (let i = 0; i < count; i++) await store.append([aid(`m${i}`)]);
  return ((performance.now() - started) * 1000) / count;
}

/**
 * Durable appends to the JSONL file store (single events and batches of 1,000) beside the raw
 * write + fsync rate of the same folder (the baseline) in the same run, interleaved; then
 * in-memory appends of 10k, 100k and 1M single events against the 10k run, to show the cost per
 * append stays flat. Medians of five runs.
 */
export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'truce-bench-store-'));
  try {
    console.log(`folder: ${dir}`);
    let run = 0;
    const rate = (perSecond: number) => ({ perSecond });
    const durable = await compare({
      bench: 'store',
      baseline: {
        label: 'raw write + fsync of one line',
        run: async () => rate(await rawFsyncRate(dir)),
      },
      subjects: [
        {
          label: 'raw, with a lock file made and removed',
          run: async () => rate(await rawLockedFsyncRate(dir)),
        },
        {
          label: 'file store, durable single appends',
          run: async () => rate(await singleAppendRateIn(dir, run++)),
        },
        {
          label: `file store, batches of ${BATCH_SIZE.toLocaleString('en')}`,
          run: async () => rate(await batchAppendRateIn(dir, run++)),
        },
      ],
    });
    printComparison(durable, { figure: 'perSecond', unit: 'events/s' });
    const [first, ...rest] = MEMORY_SIZES.map((count) => ({
      label: `in-memory, ${count.toLocaleString('en').padStart(9)} single appends`,
      run: async () => ({ usPerAppend: await memoryAppendMicros(count) }),
    }));
    if (first === undefined) return;
    const memory = await compare({ bench: 'store-memory', baseline: first, subjects: rest });
    printComparison(memory, { figure: 'usPerAppend', unit: 'µs per append', digits: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
