/** Where progress is drawn: a terminal, as `process.stderr` is when nothing redirects it. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

/** Options of {@link startProgress}. */
export interface ProgressOptions {
  /** What is being done, as the line begins: `validating deal.jsonl`, `generating`. */
  what: string;
  /** The log's size in bytes, when known (a file): gives the share done and the time left. */
  totalBytes?: number | undefined;
  /** How many events in all, when known (`generate`): the same, by events. */
  totalEvents?: number | undefined;
  /**
   * Whether the command writes its output to stdout while it works (`timeline`, `generate`,
   * `export`): then no progress when stdout is the same terminal, so the two never mix.
   */
  streamsOutput?: boolean;
  /** The progress line's terminal; `process.stderr` by default. */
  stream?: ProgressStream;
  /** Whether stdout is a terminal; `process.stdout.isTTY` by default. */
  stdoutIsTTY?: boolean;
  /** Milliseconds since some fixed instant; `performance.now` by default. */
  now?: () => number;
}

/** A progress line on a terminal; nothing at all elsewhere. */
export interface Progress {
  /** Says how far the work is: events done, and bytes of the log read when known. Cheap. */
  update(events: number, bytes?: number): void;
  /** Writes a line of the command's own to the terminal (a warning), above the progress line. */
  note(text: string): void;
  /** Clears the line, so what the command prints next starts on a clean line. */
  done(): void;
}

/** First drawn after this long: a command that ends sooner shows nothing. */
const FIRST_MS = 500;
/** Redrawn at most this often. */
const EVERY_MS = 250;

/**
 * Shows how far a long command is on stderr, when stderr is a terminal: events done, events per
 * second, and with a known size the share done and the time left; redrawn in place at most four
 * times a second, from half a second on, and cleared at the end. Nothing when stderr is not a
 * terminal (a file, a pipe, a test), nor when the command streams its output to the same
 * terminal, nor with `TRUCE_PROGRESS=off`. Only `cli/` reads the clock.
 *
 * @example
 * const progress = startProgress({ what: `validating ${log}`, totalBytes: size });
 * for await (const entry of readLog(log)) progress.update(++events, entry.end);
 * progress.done();
 */
export function startProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const stdoutIsTTY = options.stdoutIsTTY ?? process.stdout.isTTY === true;
  const mode = progressMode();
  if (mode === 'off' || stream.isTTY !== true || (options.streamsOutput === true && stdoutIsTTY)) {
    return {
      update: () => undefined,
      note: (text) => void stream.write(text),
      done: () => undefined,
    };
  }
  const now = options.now ?? (() => performance.now());
  const started = now();
  let next = mode === 'eager' ? started : started + FIRST_MS;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\u001b[K');
    drawn = false;
  };
  return {
    update(events, bytes) {
      const t = now();
      if (t < next) return;
      next = t + EVERY_MS;
      const line = progressLine(options, events, bytes, t - started);
      // A terminal of unknown size (a pseudo-terminal nobody sized) says 0 columns.
      const width = Math.max(20, (stream.columns || 80) - 1);
      stream.write(`\r${line.length > width ? line.slice(0, width) : line}\u001b[K`);
      drawn = true;
    },
    note(text) {
      clear();
      stream.write(text);
    },
    done() {
      clear();
      next = Number.POSITIVE_INFINITY;
    },
  };
}

/**
 * `TRUCE_PROGRESS=off` hides progress even on a terminal; `eager` draws it from the first
 * update instead of after half a second (what the tests use); anything else: as usual.
 */
function progressMode(): 'off' | 'eager' | 'auto' {
  const value = process.env.TRUCE_PROGRESS;
  return value === 'off' || value === 'eager' ? value : 'auto';
}

/**
 * The words of a progress line: `validating big.jsonl: 412,300 events, 61,204 events/s, 41%,
 * about 12 s left`.
 */
export function progressLine(
  options: Pick<ProgressOptions, 'what' | 'totalBytes' | 'totalEvents'>,
  events: number,
  bytes: number | undefined,
  elapsedMs: number,
): string {
  const seconds = elapsedMs / 1000;
  const parts = [`${count(events)} ${events === 1 ? 'event' : 'events'}`];
  if (seconds > 0) parts.push(`${count(Math.round(events / seconds))} events/s`);
  const share =
    options.totalEvents !== undefined && options.totalEvents > 0
      ? events / options.totalEvents
      : options.totalBytes !== undefined && options.totalBytes > 0 && bytes !== undefined
        ? bytes / options.totalBytes
        : undefined;
  if (share !== undefined && share > 0) {
    const done = Math.min(1, share);
    parts.push(`${Math.floor(done * 100)}%`);
    parts.push(`about ${duration((seconds * (1 - done)) / done)} left`);
  }
  return `${options.what}: ${parts.join(', ')}`;
}

function count(n: number): string {
  return n.toLocaleString('en');
}

/** `12 s`, `3 min 05 s`, `1 h 02 min`. */
function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
