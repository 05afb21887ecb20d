// events/ioReason.js, not the events/ barrel: every command loads this, --version included.
import { ioReason } from '../events/ioReason.js';

/** What became of the command's output once it finished. */
export interface OutputOutcome {
  /** The first error writing stdout gave (not EPIPE: a closed reader ends the run quietly). */
  failed?: unknown;
  /** What the command had made durable before printing, if anything (see {@link noteCommitted}). */
  committed?: string;
}

/** Options of {@link guardOutput}. */
export interface GuardOutputOptions {
  /** The command's output; the process's stdout by default. */
  stdout?: NodeJS.WritableStream;
  /** Its diagnostics; the process's stderr by default. A failure there is ignored. */
  stderr?: NodeJS.WritableStream;
  /** Ends the process when the reader of stdout has gone (EPIPE); `process.exit(0)` by default. */
  onClosed?: () => void;
}

let committed: string | undefined;

/**
 * Records that the command's change is durable (an event appended and fsync'd), so that a
 * failure to print its result afterwards is a warning with exit 0, never a failure exit that
 * would invite a retry.
 *
 * @example
 * const { seqs } = await store.append(events);
 * noteCommitted(`seq ${seqs.join(', ')} appended to ${log}`);
 */
export function noteCommitted(what: string): void {
  committed = what;
}

/**
 * Watches the command's output for write errors so that none ends in a stack trace: when the
 * reader of stdout has gone (`truce timeline LOG | head -1`, EPIPE) the process ends at once
 * with exit 0, as `head` expects; any other error (a full disk, `> /dev/full`) is kept for
 * {@link OutputGuard.settle} to report. Install once, before the command runs.
 *
 * @example
 * const guard = guardOutput();
 * await program.parseAsync(argv);
 * const { failed } = await guard.settle();
 */
export function guardOutput(options: GuardOutputOptions = {}): OutputGuard {
  return new OutputGuard(options);
}

/** The watch {@link guardOutput} installs. */
export class OutputGuard {
  readonly #stdout: NodeJS.WritableStream;
  #failed: unknown;

  constructor(options: GuardOutputOptions) {
    this.#stdout = options.stdout ?? process.stdout;
    const onClosed = options.onClosed ?? (() => process.exit(0));
    committed = undefined;
    this.#stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') onClosed();
      else this.#failed ??= error;
    });
    (options.stderr ?? process.stderr).on('error', () => undefined);
  }

  /** Waits until what was written to stdout has been handed on (or failed), and says how it went. */
  async settle(): Promise<OutputOutcome> {
    const stream = this.#stdout as NodeJS.WritableStream & {
      destroyed?: boolean;
      writableLength?: number;
    };
    // Only writes still queued (a slow pipe) are waited for: an empty write may itself fail.
    if (!stream.destroyed && (stream.writableLength ?? 0) > 0) {
      await new Promise<void>((resolve) => {
        try {
          stream.write('', () => resolve());
        } catch {
          resolve();
        }
      });
    }
    // An error is emitted on a later tick than the failed write's callback.
    await new Promise((resolve) => setImmediate(resolve));
    const outcome: OutputOutcome = {};
    if (this.#failed !== undefined) outcome.failed = this.#failed;
    if (committed !== undefined) outcome.committed = committed;
    return outcome;
  }
}

/**
 * Writes one piece of the command's output and, when its reader is behind (a pipe to a slower
 * program: Node queues what a pipe does not take at once), waits until the queue is taken, so
 * a long output is never held whole in memory. It also lets a pending error (EPIPE) reach the
 * output guard before the next piece is made. False once stdout is gone.
 *
 * @example
 * for (const piece of jsonChunks(report)) if (!(await writeOut(process.stdout, piece))) return;
 */
export async function writeOut(
  out: NodeJS.WritableStream,
  piece: string | Uint8Array,
): Promise<boolean> {
  const stream = out as NodeJS.WritableStream & { destroyed?: boolean };
  if (stream.destroyed) return false;
  if (!out.write(piece)) await drained(out);
  else await new Promise((resolve) => setImmediate(resolve));
  return !stream.destroyed;
}

/**
 * Writes every piece with {@link writeOut}, stopping once stdout is gone. False if it went.
 *
 * @example
 * await writePieces(process.stdout, formatReportPieces(report, names));
 */
export async function writePieces(
  out: NodeJS.WritableStream,
  pieces: Iterable<string | Uint8Array>,
): Promise<boolean> {
  for (const piece of pieces) if (!(await writeOut(out, piece))) return false;
  return true;
}

/**
 * Settles when `out` has taken what was queued, is closed or fails. Its listeners go with it:
 * waiting thousands of times on one stream adds none for good (`events.once` raced against
 * 'close' left one behind at each drain, and Node warned of a leak past ten).
 */
function drained(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

/** The sentence for a failed write of the output. */
export function outputFailure(error: unknown): string {
  return `cannot write the output: ${ioReason(error)}`;
}
