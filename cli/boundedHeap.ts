import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';

// node:v8 is loaded by a replay that bounds its heap, not at every start (about 1.4 ms, 4
// December 2026): a short log never needs it.
const requireBuiltin = createRequire(import.meta.url);
let v8: typeof import('node:v8') | undefined;
const loadV8 = (): typeof import('node:v8') => {
  v8 ??= requireBuiltin('node:v8') as typeof import('node:v8');
  return v8;
};

/**
 * Logs at least this large (about 170,000 generated events) are replayed with a bounded heap
 * ({@link boundHeapForLongReplay}); a shorter one peaks far under 200 MB without it.
 */
export const BOUNDED_HEAP_MIN_BYTES = 32 * 1024 * 1024;

/**
 * A PostgreSQL stream has no size in bytes to ask before it is read: one with at least this many
 * events still to read (about {@link BOUNDED_HEAP_MIN_BYTES} of generated events) is replayed
 * with a bounded heap too. Without it `status --no-cache` of a million-event stream peaked at
 * 207–258 MB; with it 165–179 MB, for about 5% more time (4 December 2026).
 */
export const BOUNDED_HEAP_MIN_EVENTS = 170_000;

/**
 * Whether a read is long enough for a bounded heap: a file of {@link BOUNDED_HEAP_MIN_BYTES} or
 * more (`end`, its size), or a stream with {@link BOUNDED_HEAP_MIN_EVENTS} or more to read.
 */
export function isLongRead(read: {
  end?: number | undefined;
  events?: number | undefined;
}): boolean {
  return (read.end ?? 0) >= BOUNDED_HEAP_MIN_BYTES || (read.events ?? 0) >= BOUNDED_HEAP_MIN_EVENTS;
}

/**
 * The young generation's size (both halves) at which it stops growing: a quarter of V8's
 * default. At 16 MB a first replay of a million events peaked at 192–200 MB; at 8 MB 179–188
 * MB, for about 3% more CPU (no change measurable without the cache).
 */
export const YOUNG_GENERATION_BOUND = 8 * 1024 * 1024;

/** How far the old generation may grow past what a full collection left live, in percent. */
export const OLD_GENERATION_GROWTH = 50;

/**
 * A time-travel query through the checkpoint cache (`--until`, `--at`; not `--json` or `--full`,
 * whose long reports are written in fewer fresh pages with the bound) bounds its young
 * generation once it has replayed this many events, not at its start: it reads the whole state
 * of the checkpoint at or before its target first (28 MB of JSON at seq 998,400 of a million
 * events) and replays at most a few thousand events after it, and with the young generation held
 * at {@link YOUNG_GENERATION_BOUND} while that state was parsed, V8 copied it in 29 scavenges
 * instead of 11. A replay from the start is not touched by the wait: V8 has the young
 * generation at 8 MB when a command starts and takes some 6,000 events to grow it to 16 MB.
 */
export const BOUND_AFTER_EVENTS = 1024;

/**
 * A query through the cache that resumes at least this many events before the seq it asked for
 * (`--until`), or, without one, this many bytes before the end of the log, is a long replay: its
 * young generation is bounded before the checkpoint's state is read, as from the first line
 * (resuming 100,000 events before its target with the young generation left to grow while the
 * state was read, a query peaked at 212 MB instead of 189).
 */
export const RESUME_FAR_EVENTS = 16_384;

/** {@link RESUME_FAR_EVENTS} for a query without a seq (`--at`): bytes left in the log. */
export const RESUME_FAR_BYTES = 4 * 1024 * 1024;

/**
 * Whether a replay that resumes at `seq` (at byte `bytes`) will replay many events: at least
 * {@link RESUME_FAR_EVENTS} before the seq it stops after (`until`), or, when it has none, at
 * least {@link RESUME_FAR_BYTES} before the end of the log (`end`; unknown counts as far).
 *
 * @example
 * resumesFar({ until: 999_000 }, 998_400, 184_000_000); // false: 600 events to replay
 */
export function resumesFar(
  stop: { until?: number | undefined; end?: number | undefined },
  seq: number,
  bytes: number,
): boolean {
  return stop.until !== undefined
    ? stop.until - seq >= RESUME_FAR_EVENTS
    : (stop.end ?? Number.POSITIVE_INFINITY) - bytes >= RESUME_FAR_BYTES;
}

/**
 * A replay of at least this many events leaves enough behind (the reader's id index, the old
 * generation's garbage) for a full collection before the report is written to pay: about 50 ms
 * after a million events. A time-travel query answered from a checkpoint replays far fewer.
 */
export const COLLECT_AFTER_EVENTS = 100_000;

/** The heap of a long replay, bounded by {@link boundHeapForLongReplay}. */
export interface BoundedHeap {
  /**
   * Given how many events the replay has replayed, looks at the young generation and stops its
   * growth once it reaches the bound (from {@link BoundedHeapOptions.youngAfter} events on).
   * Cheap (a few microseconds): the replay calls it every thousand events or so, often enough
   * that V8 cannot grow it twice in between.
   */
  watch(events: number): void;
  /**
   * Bounds the young generation from now on, whatever {@link BoundedHeapOptions.youngAfter}
   * said: the replay was found to be long (it resumes far from where it stops).
   */
  boundYoungNow(): void;
  /**
   * A full collection now: what the replay no longer holds (the reader's id index, 16 MB of a
   * million ids outside V8's heap, and the old generation's garbage) is freed before more is
   * written, rather than at a collection that may come only after the writing.
   */
  collect(): void;
}

/** How {@link boundHeapForLongReplay} bounds a heap. */
export interface BoundedHeapOptions {
  /**
   * Events the replay replays before its young generation is bounded: 0, at once, unless it
   * is expected to resume from a checkpoint near its target ({@link BOUND_AFTER_EVENTS}).
   */
  youngAfter?: number;
}

/**
 * Keeps a long replay's heap small, for this process only: the command line calls it for a
 * replay, `status`, `timeline` or `validate` of a log of {@link BOUNDED_HEAP_MIN_BYTES} or more;
 * the library never does. Two V8 settings (docs/decisions.md, "The replay engine"): the old generation grows
 * by {@link OLD_GENERATION_GROWTH}% of what the last full collection left live before the next
 * (V8's own factor let garbage pile up to 30 MB by the end of a million events), and the young
 * generation, which V8 doubles to 32 MB while a replay allocates, stops growing at
 * {@link YOUNG_GENERATION_BOUND} (V8 reads its semi-space size limit only when it starts, but its
 * growth factor at every growth).
 *
 * @example
 * const heap = boundHeapForLongReplay();
 * await replayLog(log, { onEvent: (e) => { if (++n % 1024 === 0) heap.watch(n); } });
 * heap.collect(); // then write the report
 */
export function boundHeapForLongReplay({ youngAfter = 0 }: BoundedHeapOptions = {}): BoundedHeap {
  const { getHeapSpaceStatistics, setFlagsFromString } = loadV8();
  setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH}`);
  let bounded = false;
  let after = youngAfter;
  const watch = (events: number): void => {
    if (bounded || events < after) return;
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    if (young === undefined || young.space_size < YOUNG_GENERATION_BOUND) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    bounded = true;
  };
  watch(0);
  const boundYoungNow = (): void => {
    after = 0;
    watch(0);
  };
  return { watch, boundYoungNow, collect: collectGarbage };
}

/**
 * A full collection, from this process's command line only. Node gives a program no call for
 * one; V8 gives `gc` to a context made while its flag is on, and that context's `gc` collects
 * the whole heap. The flag is turned off again at once (no global `gc` appears anywhere).
 */
function collectGarbage(): void {
  const { setFlagsFromString } = loadV8();
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  gc();
}
