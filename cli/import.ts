import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { fileChunks, ioError } from '../events/index.js';
import {
  type ImportResult,
  PostgresEventStore,
  parseStreamName,
  streamNameOf,
} from '../store/index.js';
import { boundHeapForLongReplay, isLongRead } from './boundedHeap.js';
import { storeUrlOf } from './db.js';
import { noteCommitted } from './output.js';
import { startProgress } from './progress.js';
import { storeOption, streamOption } from './source.js';

/**
 * Adds `truce import FILE --store URL [--stream NAME]`: copies a log file into a PostgreSQL
 * stream, every line kept as written, in one transaction (read, checked and written a part at a
 * time, with progress on a terminal). Re-running it (or running it again
 * after the file grew) imports only the lines the stream does not hold yet.
 *
 * @example
 * registerImport(program); // truce import examples/november-2023.jsonl --store postgresql://localhost/truce
 */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('copy a log file into a PostgreSQL stream, checked, byte for byte')
    .argument('<file>', 'the log file (JSON Lines)')
    .addOption(storeOption())
    .addOption(streamOption().default(undefined, "the file's name without .jsonl"))
    .action(async (file: string, options: { store?: string; stream?: string }) => {
      const url = storeUrlOf(options.store);
      const stream = parseStreamName(options.stream ?? streamNameOf(file));
      let size: number;
      try {
        size = (await stat(file)).size;
      } catch (error) {
        throw ioError(file, error);
      }
      const store = new PostgresEventStore({ url, stream, batchName: file });
      const progress = startProgress({ what: `importing ${file}`, totalBytes: size });
      // This process is the command's: a long file's statechart and folds keep its heap small,
      // as a replay's do (`cli/boundedHeap.ts`). Left to V8's defaults, importing a million
      // events peaked at 496–603 MB, with some 70 MB live.
      const heap = isLongRead({ end: size }) ? boundHeapForLongReplay() : undefined;
      let imported: ImportResult;
      try {
        // Read as the log reader reads a file: a failed read is the file's error (a
        // StoreError), never worded as the database's, though it comes inside the transaction.
        imported = await store.importLog(fileChunks(file, { chunkSize: 1 << 20, name: file }), {
          file,
          onProgress: (events, bytes) => {
            heap?.watch(events);
            progress.update(events, bytes);
          },
        });
      } finally {
        progress.done();
        await store.close();
      }
      const { skipped, written, head } = imported;
      const events = (n: number) => `${n} ${n === 1 ? 'event' : 'events'}`;
      if (written > 0) noteCommitted(`${events(written)} imported into stream ${stream}`);
      process.stdout.write(
        written === 0
          ? `${file}: stream ${stream} already holds its ${events(skipped)}; nothing to import\n`
          : `${file}: imported ${events(written)} into stream ${stream} (seq ${head - written + 1}–${head}${skipped > 0 ? `; the first ${skipped} were already there` : ''})\n`,
      );
    });
}
