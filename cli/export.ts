import type { Command } from 'commander';
import { StoreError, TruceError } from '../events/index.js';
import { PostgresEventStore, parseStreamName } from '../store/index.js';
import { storeUrlOf } from './db.js';
import { writeOut } from './output.js';
import { startProgress } from './progress.js';
import { storeOption, streamOption } from './source.js';

/**
 * Adds `truce export --store URL --stream NAME`: writes the stream as a JSONL log on stdout,
 * byte for byte what was imported and appended.
 *
 * @example
 * registerExport(program); // truce export --store postgresql://localhost/truce --stream nov-2023 > nov.jsonl
 */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a PostgreSQL stream to stdout as a JSONL log, byte for byte')
    .addOption(storeOption())
    .addOption(streamOption())
    .action(async (options: { store?: string; stream?: string }) => {
      const url = storeUrlOf(options.store);
      if (options.stream === undefined) {
        throw new TruceError(
          'USAGE',
          `truce export needs --stream NAME: which negotiation of ${url.redacted}`,
        );
      }
      const store = new PostgresEventStore({ url, stream: parseStreamName(options.stream) });
      try {
        if (!(await store.exists())) throw new StoreError(await store.missing());
        const progress = startProgress({
          what: `exporting stream ${options.stream}`,
          totalEvents: await store.head(),
          streamsOutput: true,
        });
        try {
          await writeAll(store.lines({ exact: true }), (events) => progress.update(events));
        } finally {
          progress.done();
        }
      } finally {
        await store.close();
      }
    });
}

/**
 * Writes the chunks to stdout with back-pressure, saying how many lines are out. A reader that
 * goes away (EPIPE) and any other write error are the output guard's (`cli/output.ts`, installed
 * by `run`): quiet exit 0, or one sentence and exit 4.
 */
async function writeAll(
  chunks: AsyncIterable<Uint8Array>,
  onLines: (lines: number) => void,
): Promise<void> {
  const out = process.stdout;
  let lines = 0;
  for await (const chunk of chunks) {
    if (!(await writeOut(out, chunk))) return;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    onLines(lines);
  }
}
