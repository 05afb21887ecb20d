/**
 * A log read from somewhere other than a file of its own (a PostgreSQL stream): its bytes in
 * log format v1, and a way to hear that it grew. `readLog`, `replayLog` and the inspector read
 * it exactly as they read a file.
 *
 * @example
 * for await (const entry of readLog(source.chunks(), { file: source.name })) …
 */
export interface LogSource {
  /** The log's name in messages, e.g. `stream november-2023`. */
  readonly name: string;
  /** The log's lines as bytes, each ending in `\n`, as they stand when the call begins. */
  chunks(): AsyncIterable<Uint8Array>;
  /**
   * The lines after event `seq` only, for a log whose lines never change once written (a stream:
   * its events table refuses every change), so a reader that holds the first `seq` reads on from
   * there instead of from the first line. Absent when the log may be rewritten.
   */
  chunksAfter?(seq: number): AsyncIterable<Uint8Array>;
  /** Calls `onChange` when the log may have grown; resolves to the stop. */
  watch(onChange: () => void): Promise<() => Promise<void>>;
}
