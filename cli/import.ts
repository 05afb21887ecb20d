import { type FileHandle, open } from 'node:fs/promises';
import type { Command } from 'commander';
import { ioReason, StoreError } from '../events/index.js';
import { PostgresEventStore, parseStreamName, streamNameOf } from '../store/index.js';
import { storeUrlOf } from './db.js';
import { noteCommitted } from './output.js';
import { startProgress } from './progress.js';
import { storeOption, streamOption } from './source.js';

/**
 * The file's bytes a MiB at a time; a read that fails is the file's error, not the database's
 * (the import reads inside its transaction).
 */
async function* chunksOf(handle: FileHandle, file: string): AsyncGenerator<Uint8Array> {
  for (;;) {
    let read: { bytesRead: number; buffer: Buffer };
    try {
      read = await handle.read(Buffer.allocUnsafe(1 << 20), 0, 1 << 20, null);
    } catch (error) {
      throw new StoreError(`cannot read ${file}: ${ioReason(error)}`, { cause: error });
    }
    if (read.bytesRead === 0) return;
    yield read.buffer.subarray(0, read.bytesRead);
  }
}

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
      let handle: FileHandle;
      let size: number;
      try {
        handle = await open(file, 'r');
        size = (await handle.stat()).size;
      } catch (error) {
        throw new StoreError(`cannot read ${file}: ${ioReason(error)}`, { cause: error });
      }
      const store = new PostgresEventStore({ url, stream, batchName: file });
      const progress = startProgress({ what: `importing ${file}`, totalBytes: size });
      try {
        const { skipped, written, head } = await store.importLog(chunksOf(handle, file), {
          file,
          onProgress: (events, bytes) => progress.update(events, bytes),
        });
        progress.done();
        const events = (n: number) => `${n} ${n === 1 ? 'event' : 'events'}`;
        if (written > 0) noteCommitted(`${events(written)} imported into stream ${stream}`);
        process.stdout.write(
          written === 0
            ? `${file}: stream ${stream} already holds its ${events(skipped)}; nothing to import\n`
            : `${file}: imported ${events(written)} into stream ${stream} (seq ${head - written + 1}–${head}${skipped > 0 ? `; the first ${skipped} were already there` : ''})\n`,
        );
      } finally {
        progress.done();
        await handle.close().catch(() => undefined);
        await store.close();
      }
    });
}
