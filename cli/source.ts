import { stat } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { ioReason, type ReadLogOptions, StoreError, TruceError } from '../events/index.js';
import type { ReplayStart } from '../replay/index.js';
// The store's modules one by one, not its barrel: reading a file loads neither the file
// store's writer nor the checkpoint cache (imported when used).
import { committedEnd } from '../store/committedSize.js';
import type { EventStore } from '../store/eventStore.js';
import type { LogSource } from '../store/logSource.js';
import {
  PostgresEventStore,
  parseStoreUrl,
  parseStreamName,
  type StoreUrl,
} from '../store/postgres/index.js';
import { BOUNDED_HEAP_MIN_EVENTS, boundHeapForLongReplay } from './boundedHeap.js';
import { trackOpen } from './openLogs.js';
import { lastEventAt } from './preview.js';

/** The `--store` and `--stream` options every command that takes a LOG also takes. */
export interface StoreSelection {
  store?: string;
  stream?: string;
}

/** Where a command's log lives: a JSONL file, or a stream of a PostgreSQL database. */
export type LogTarget =
  | { kind: 'file'; path: string; name: string }
  | { kind: 'postgres'; url: StoreUrl; stream: string; name: string };

/** The environment variable that gives `--store` when the command line does not. */
export const STORE_ENV = 'TRUCE_STORE';

/**
 * `--store URL`: a PostgreSQL database instead of the `[log]` file.
 *
 * @example
 * program.command('replay').argument('[log]').addOption(storeOption()).addOption(streamOption());
 */
export function storeOption(): Option {
  return new Option(
    '--store <url>',
    `keep the log in PostgreSQL instead of a file: postgresql://user:password@host:5432/db (default: $${STORE_ENV} when no LOG is given)`,
  );
}

/** `--stream NAME`: which negotiation of the `--store` database. */
export function streamOption(): Option {
  return new Option('--stream <name>', 'the stream (one negotiation) in the --store database');
}

/**
 * Adds {@link storeOption} and {@link streamOption} to a command whose `[log]` they replace.
 *
 * @example
 * withStoreOptions(program.command('replay').argument('[log]'));
 */
export function withStoreOptions(command: Command): Command {
  return command.addOption(storeOption()).addOption(streamOption());
}

/**
 * Decides where the log is: `LOG` (a file), or `--store URL --stream NAME`, with `TRUCE_STORE`
 * standing in for `--store` when no LOG is given. Usage errors (exit 2) for every other mix.
 *
 * @example
 * resolveTarget(undefined, { stream: 'nov-2023' }, { TRUCE_STORE: 'postgresql://localhost/truce' });
 */
export function resolveTarget(
  log: string | undefined,
  options: StoreSelection,
  env: NodeJS.ProcessEnv = process.env,
): LogTarget {
  if (log !== undefined) {
    if (options.store !== undefined || options.stream !== undefined) {
      throw new TruceError(
        'USAGE',
        `give either a LOG file (${log}) or --store URL --stream NAME, not both`,
      );
    }
    return { kind: 'file', path: log, name: log };
  }
  const url = options.store ?? (env[STORE_ENV] || undefined);
  if (url === undefined) {
    throw new TruceError(
      'USAGE',
      `missing required argument 'log': give a LOG file, or --store URL --stream NAME (or set ${STORE_ENV})`,
    );
  }
  const parsed = parseStoreUrl(url);
  if (options.stream === undefined) {
    throw new TruceError(
      'USAGE',
      `--store needs --stream NAME: which negotiation of ${parsed.redacted}${options.store === undefined ? ` (from ${STORE_ENV})` : ''}`,
    );
  }
  const stream = parseStreamName(options.stream);
  return { kind: 'postgres', url: parsed, stream, name: `stream ${stream}` };
}

/** A log opened for a command: how to read it, write to it or follow it, and to let it go. */
export interface OpenLog {
  readonly target: LogTarget;
  /** The log's name in messages: the file's path, or `stream NAME`. */
  readonly name: string;
  /**
   * What to hand `readLog`/`replayLog`: the file's path (read up to where a writer holding its
   * lock began), or the stream's bytes. Fails (exit 4) for a file or stream that does not exist.
   */
  readable(resume?: ResumeRequest): Promise<{
    source: string | AsyncIterable<Uint8Array>;
    options: ReadLogOptions;
    /** The state the source's lines follow, when `resume` was asked and a stored one serves. */
    from?: ReplayStart;
    /**
     * A stream's events to read (past `from`) as the read began: how long the read is, where a
     * file's size (`options.end`) says it.
     */
    events?: number;
  }>;
  /**
   * The store to append to (the file is created by the first append); the file store's module
   * is imported here, not by every command that reads a log.
   */
  store(options: StoreOptions): Promise<EventStore>;
  /** Fails (exit 4) unless the log exists, with a hint at `truce init`; `verb`: `append to`. */
  requireExisting(verb: string): Promise<void>;
  /** The `at` of the log's last event, or null (empty, unreadable): for the order warning. */
  lastEventAt(): Promise<string | null>;
  /** The log as a {@link LogSource} for the inspector; undefined for a file. */
  liveSource(): Promise<LogSource | undefined>;
  /** Closes connections. */
  close(): Promise<void>;
}

/**
 * A replay that may go on from a PostgreSQL stream's stored snapshot instead of its first event
 * (`replay`, `status`): up to `until`, or `at`; `note` hears why one is or is not used
 * (`--debug`). A file goes through its checkpoint cache instead (store/cachedReplay.ts).
 */
export interface ResumeRequest {
  until?: number;
  at?: string;
  note?: (message: string) => void;
}

/** What a command asks of the store it appends with. */
export interface StoreOptions {
  /** What the events are called in messages: `the new event`, `stdin`, a file's name. */
  batchName: string;
  /**
   * Told how far the file store replays the log before it appends (the seq and the byte offset
   * past it), for a progress line; a PostgreSQL stream's store reads no log to append.
   */
  onProgress?: (seq: number, bytes: number) => void;
  /** Where the file store's warnings (a torn last line repaired) go; stderr by default. */
  warn?: (message: string) => void;
  /** Hears where the file store went on from the log's checkpoint cache, or why not (`--debug`). */
  note?: (message: string) => void;
}

/** The LOG argument's help, where `--store URL --stream NAME` may stand in for it. */
export const LOG_ARGUMENT = 'the log file (JSON Lines), or use --store URL --stream NAME';

/**
 * Opens the log a command names ({@link resolveTarget}). It stays open for the command's run:
 * `truce` closes every log opened (`closeOpenLogs`, cli/openLogs.ts) once the command is done.
 *
 * @example
 * const { source, options } = await openLog(log, options).readable();
 */
export function openLog(log: string | undefined, options: StoreSelection): OpenLog {
  const open = openTarget(resolveTarget(log, options));
  trackOpen(open);
  return open;
}

/** The {@link OpenLog} of a target; PostgreSQL connects on first use only. */
export function openTarget(target: LogTarget): OpenLog {
  if (target.kind === 'file') return openFile(target);
  let pg: PostgresEventStore | undefined;
  let batchName = 'the batch';
  const store = () => {
    pg ??= new PostgresEventStore({
      url: target.url,
      stream: target.stream,
      batchName,
    });
    return pg;
  };
  /** The stream's head; fails (exit 4) when it holds nothing. */
  const mustExist = async (hint: string): Promise<number> => {
    const db = store();
    const head = await db.head();
    if (head > 0) return head;
    throw new StoreError(`${await db.missing()}; ${hint}`);
  };
  return {
    target,
    name: target.name,
    readable: async (resume) => {
      const head = await mustExist('start one with truce init or truce import');
      // A long stream's stored state is long too (32 MB of JSON at a million events): read with
      // the young generation bounded, as a long replay is (cli/boundedHeap.ts).
      if (resume !== undefined && head >= BOUNDED_HEAP_MIN_EVENTS) boundHeapForLongReplay();
      const from = resume === undefined ? undefined : await store().replayStart(resume);
      const options = { file: target.name };
      // Up to the head just read: `lines` would otherwise ask for it again.
      if (from === undefined) return { source: store().lines({ to: head }), options, events: head };
      const source = store().lines({ from: from.seq + 1 });
      return { source, options, from, events: Math.max(0, head - from.seq) };
    },
    store: async (options) => {
      batchName = options.batchName;
      return store();
    },
    requireExisting: async (verb) => {
      await mustExist(
        `start it with truce init --store URL --stream ${target.stream}, then ${verb} it`,
      );
    },
    lastEventAt: async () => {
      const line = await store()
        .lastLine()
        .catch(() => undefined);
      return atOf(line);
    },
    liveSource: async () => {
      await mustExist('start one with truce init or truce import');
      return store().logSource();
    },
    close: async () => {
      await pg?.close();
    },
  };
}

function openFile(target: Extract<LogTarget, { kind: 'file' }>): OpenLog {
  const { path } = target;
  return {
    target,
    name: path,
    readable: async () => ({
      source: path,
      options: { file: path, ...(await committedEnd(path)) },
    }),
    store: async ({ batchName, onProgress, warn, note }) => {
      const { FileEventStore } = await import('../store/fileEventStore.js');
      return new FileEventStore(path, {
        batchName,
        ...(onProgress ? { onProgress } : {}),
        ...(warn ? { warn } : {}),
        ...(note ? { note } : {}),
      });
    },
    requireExisting: async (verb) => {
      try {
        await stat(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new StoreError(
          code === 'ENOENT'
            ? `cannot ${verb} ${path}: no such file; start a log with truce init`
            : `cannot ${verb} ${path}: ${ioReason(error)}`,
          { cause: error },
        );
      }
    },
    lastEventAt: () => lastEventAt(path),
    liveSource: async () => undefined,
    close: async () => undefined,
  };
}

/** The `at` of a log line, or null when it has none. */
function atOf(line: string | undefined): string | null {
  if (line === undefined) return null;
  try {
    const at = (JSON.parse(line.replace(/^\uFEFF/, '')) as { at?: unknown }).at;
    return typeof at === 'string' ? at : null;
  } catch {
    return null;
  }
}
