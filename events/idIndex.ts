/** Options of {@link IdIndex}. */
export interface IdIndexOptions {
  /** How many ids are kept as exact strings before switching to fingerprints. */
  exactLimit: number;
}

/** Ids kept exactly, with their line, by default: `firstLine` names the line up to this many. */
export const DEFAULT_EXACT_LIMIT = 100_000;
const EMPTY = 0;
/** The most runs an index keeps (ids of other shapes, beyond them, go to the table). */
const MAX_RUNS = 64;
/** The most digits a run's numbers have: below 10^15, every one is an exact double. */
const MAX_DIGITS = 15;

/**
 * The ids of one shape met in increasing order: a prefix followed by a number of `width`
 * digits (`gen-1`, `gen-2`…; `nov23-001`…), kept as their numbers, one after the other. A
 * prefix and a width spell each number one way only, so a number stands for its id exactly.
 */
interface Run {
  prefix: string;
  width: number;
  /** The numbers, increasing: the first `count` of `values`. */
  values: Float64Array;
  count: number;
}

/**
 * The ids seen in a log, each with the line that first used it, in little memory.
 *
 * Up to `exactLimit` ids (100,000 by default, far beyond any hand-kept negotiation log) are
 * compared exactly, with the line that first used them. Past that, no line is kept: an id that
 * counts up (a prefix and a number above the last of that prefix and width, as `gen-41` after
 * `gen-40`, the way logs are written) is kept exactly as its number, 8 bytes, in a run of such
 * numbers (up to 64 runs); any other id as a 64-bit fingerprint in a table (16 bytes an id at
 * most). Both live outside the JS heap, so a million-event log validates in under 150 MB.
 * Two different ids of the table share a fingerprint with a chance of about n²/2⁶⁵ (3 in 100
 * million at a million ids); such a clash would be reported as a repeated id, never passed
 * silently.
 *
 * @example
 * const ids = new IdIndex();
 * ids.firstLine('nov23-001'); // undefined: not seen
 * ids.add('nov23-001', 1);
 * ids.firstLine('nov23-001'); // 1
 */
export class IdIndex {
  readonly #exactLimit: number;
  #exact: Map<string, number> | undefined = new Map();
  /**
   * Past the exact ids, the ids that extend a run (their number above the run's last), by
   * shape; none in an index made of fingerprints. A log's ids nearly always count up (`gen-1`,
   * `gen-2`…): such an id is known new from its number alone and is appended to its run, with
   * no hash and no probe of the table, whose random reads (a cache miss per event, in 16 MB at
   * a million ids) were a tenth of reading a line. Every other id goes to the table.
   */
  #runs: Map<string, Run> | undefined = new Map();
  /** The run of the last id looked at, the one the next id most likely extends. */
  #lastRun: Run | undefined;
  /** Ids in runs. */
  #inRuns = 0;
  /** The number of the id {@link #runOf} last read. */
  #number = 0;
  /**
   * The last id `firstLine` found new above its run's last number, with its run and number:
   * `add` of that id (the reader's next call) appends it without reading it again.
   */
  #newInRun: string | undefined;
  #newRun: Run | undefined;
  #newNumber = 0;
  /**
   * Open-addressing table: per slot two 32-bit hashes side by side (hi never 0 when used), 8
   * bytes an id. Side by side, a probe reads one cache line, not one in each of two arrays.
   */
  #slots: Uint32Array = new Uint32Array(0);
  /** Slots in the table (half the words). */
  #capacity = 0;
  #size = 0;
  /**
   * The last id `firstLine` found new, its hashes and the empty slot its probe ended on: `add`
   * of that id (the reader's next call) writes there without hashing or probing again.
   */
  #lastId: string | undefined;
  #lastHi = 0;
  #lastLo = 0;
  #lastSlot = -1;

  constructor(options: Partial<IdIndexOptions> = {}) {
    this.#exactLimit = options.exactLimit ?? DEFAULT_EXACT_LIMIT;
  }

  /**
   * An index of ids known only by their fingerprints ({@link writeIdFingerprint}), the first
   * `count` pairs of `words`: `firstLine` then answers 0 for an id whose fingerprint is there
   * (it may be another id: the caller settles that), undefined for one surely new.
   *
   * @example
   * const known = IdIndex.ofFingerprints(words, provenSeq);
   */
  static ofFingerprints(words: Uint32Array, count: number): IdIndex {
    const index = new IdIndex({ exactLimit: 0 });
    index.#exact = undefined;
    index.#runs = undefined;
    index.#resize(tableSizeFor(count));
    for (let i = 0; i < count; i++) {
      index.#insert(words[2 * i] as number, words[2 * i + 1] as number);
    }
    return index;
  }

  /**
   * The index's contents, to be saved and loaded back with {@link IdIndex.fromParts}: the exact
   * ids (the index's own map, in the order added: read it, do not change it) while it keeps
   * them, else its runs (each one's numbers, a view) and its table's slots (a view). Undefined
   * for an index of fingerprints ({@link IdIndex.ofFingerprints}), which has no runs.
   *
   * @example
   * const parts = ids.toParts();
   */
  toParts(): IdIndexParts | undefined {
    if (this.#exact) return { exact: this.#exact, runs: [], slots: new Uint32Array(0) };
    if (this.#runs === undefined) return undefined;
    const runs = [...this.#runs.values()].map((run) => ({
      prefix: run.prefix,
      width: run.width,
      values: run.values.subarray(0, run.count),
    }));
    return { runs, slots: this.#slots.subarray(0, 2 * this.#capacity) };
  }

  /**
   * The index {@link IdIndex.toParts} described, past its exact ids (its runs and table), or
   * undefined when the parts could not have come from one: a run whose numbers do not increase
   * or do not fit its shape, a table not a power of two, fuller than half, or with a
   * fingerprint its probe would not reach. The runs' numbers are copied; the slots are the
   * index's from then on (the caller hands them over).
   *
   * @example
   * const ids = IdIndex.fromParts({ runs, slots });
   */
  static fromParts(parts: Pick<IdIndexParts, 'runs' | 'slots'>): IdIndex | undefined {
    const index = new IdIndex({ exactLimit: 0 });
    index.#exact = undefined;
    const runs = new Map<string, Run>();
    if (parts.runs.length > MAX_RUNS) return undefined;
    for (const { prefix, width, values } of parts.runs) {
      if (!Number.isInteger(width) || width < 1 || width > MAX_DIGITS) return undefined;
      const end = prefix.charCodeAt(prefix.length - 1) - 48;
      if (end >= 0 && end <= 9) return undefined;
      const key = `${width} ${prefix}`;
      if (runs.has(key)) return undefined;
      const limit = 10 ** width;
      let last = -1;
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as number;
        if (!Number.isInteger(v) || v <= last || v >= limit) return undefined;
        last = v;
      }
      // Room to grow past the numbers loaded: the next appends extend the run without a copy.
      const held = new Float64Array(Math.max(16, values.length + 1024));
      held.set(values);
      runs.set(key, { prefix, width, values: held, count: values.length });
      index.#inRuns += values.length;
    }
    index.#runs = runs;
    const slots = parts.slots;
    const capacity = slots.length / 2;
    if (!Number.isInteger(capacity) || capacity < 1024 || (capacity & (capacity - 1)) !== 0) {
      return undefined;
    }
    const size = reachableSlots(slots, capacity);
    if (size === undefined || size * 2 > capacity) return undefined;
    index.#slots = slots;
    index.#capacity = capacity;
    index.#size = size;
    return index;
  }

  /** How many ids have been added. */
  get size(): number {
    return this.#exact?.size ?? this.#size + this.#inRuns;
  }

  /**
   * The line that first used `id` (0 when that line is no longer known, past `exactLimit`),
   * or `undefined` when it is new.
   */
  firstLine(id: string): number | undefined {
    if (this.#exact) return this.#exact.get(id);
    const run = this.#runOf(id, false);
    if (run !== undefined) {
      // Above the run's last number: new (an id of this shape is in the table only if its
      // number was below the run's last when it was added).
      const n = this.#number;
      if (run.count === 0 || n > (run.values[run.count - 1] as number)) {
        this.#newInRun = id;
        this.#newRun = run;
        this.#newNumber = n;
        return undefined;
      }
      if (holds(run, n)) return 0;
    }
    writeIdFingerprint(id, pair, 0);
    const hi = pair[0] as number;
    const lo = pair[1] as number;
    const slots = this.#slots;
    const mask = this.#capacity - 1;
    for (let slot = lo & mask; ; slot = (slot + 1) & mask) {
      const h = slots[2 * slot] as number;
      if (h === EMPTY) {
        this.#lastId = id;
        this.#lastHi = hi;
        this.#lastLo = lo;
        this.#lastSlot = slot;
        return undefined;
      }
      if (h === hi && slots[2 * slot + 1] === lo) return 0;
    }
  }

  /** Records `id` as first used on `line`; the caller has checked that it is new. */
  add(id: string, line: number): void {
    if (this.#exact) {
      if (this.#exact.size < this.#exactLimit) {
        this.#exact.set(id, line);
        return;
      }
      const exact = this.#exact;
      this.#exact = undefined;
      this.#resize(tableSizeFor(0));
      // In the order they came, as if added one by one past the exact ids.
      for (const known of exact.keys()) {
        if (this.#extendRun(known)) continue;
        if ((this.#size + 1) * 2 > this.#capacity) this.#resize(this.#capacity * 2);
        writeIdFingerprint(known, pair, 0);
        this.#insert(pair[0] as number, pair[1] as number);
      }
    }
    const run = this.#newRun;
    this.#newRun = undefined;
    if (id === this.#newInRun && run !== undefined) {
      // Nothing was added since firstLine read it: its number is still above the run's last.
      this.#append(run, this.#newNumber);
      this.#lastSlot = -1;
      return;
    }
    if (this.#extendRun(id)) {
      this.#lastSlot = -1;
      return;
    }
    if ((this.#size + 1) * 2 > this.#capacity) this.#resize(this.#capacity * 2);
    const last = this.#lastSlot;
    this.#lastSlot = -1;
    if (id === this.#lastId && last >= 0) {
      // Nothing was inserted since firstLine probed (an insert or a resize forgets the slot).
      this.#slots[2 * last] = this.#lastHi;
      this.#slots[2 * last + 1] = this.#lastLo;
      this.#size++;
    } else {
      writeIdFingerprint(id, pair, 0);
      this.#insert(pair[0] as number, pair[1] as number);
    }
  }

  /**
   * The run of ids of `id`'s shape, its number left in {@link #number}; undefined for an id of
   * no such shape, or of a shape with no run (made when `create`, up to {@link MAX_RUNS}).
   */
  #runOf(id: string, create: boolean): Run | undefined {
    const runs = this.#runs;
    if (runs === undefined) return undefined;
    const length = id.length;
    let width = 0;
    let n = 0;
    let scale = 1;
    for (let i = length - 1; i >= 0; i--) {
      const digit = id.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      if (++width > MAX_DIGITS) return undefined;
      n += digit * scale;
      scale *= 10;
    }
    if (width === 0) return undefined;
    this.#number = n;
    const last = this.#lastRun;
    if (
      last !== undefined &&
      last.width === width &&
      last.prefix.length === length - width &&
      id.startsWith(last.prefix)
    ) {
      return last;
    }
    const prefix = id.slice(0, length - width);
    const key = `${width} ${prefix}`;
    let run = runs.get(key);
    if (run === undefined) {
      if (!create || runs.size >= MAX_RUNS) return undefined;
      run = { prefix, width, values: new Float64Array(16), count: 0 };
      runs.set(key, run);
    }
    this.#lastRun = run;
    return run;
  }

  /** Appends `id` to its run when its number is above the run's last; false otherwise. */
  #extendRun(id: string): boolean {
    const run = this.#runOf(id, true);
    if (run === undefined) return false;
    const n = this.#number;
    if (run.count > 0 && n <= (run.values[run.count - 1] as number)) return false;
    this.#append(run, n);
    return true;
  }

  #append(run: Run, n: number): void {
    const count = run.count;
    if (count === run.values.length) {
      const values = new Float64Array(count * 2);
      values.set(run.values);
      run.values = values;
    }
    run.values[count] = n;
    run.count = count + 1;
    this.#inRuns++;
  }

  #insert(hi: number, lo: number): void {
    const slots = this.#slots;
    const mask = this.#capacity - 1;
    let slot = lo & mask;
    while (slots[2 * slot] !== EMPTY) slot = (slot + 1) & mask;
    slots[2 * slot] = hi;
    slots[2 * slot + 1] = lo;
    this.#size++;
  }

  #resize(capacity: number): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(2 * capacity);
    this.#capacity = capacity;
    this.#size = 0;
    for (let word = 0; word < old.length; word += 2) {
      const h = old[word] as number;
      if (h !== EMPTY) this.#insert(h, old[word + 1] as number);
    }
    this.#lastSlot = -1;
  }
}

/**
 * Writes the 64-bit fingerprint of an id the index keeps (two 32-bit hashes, the first never 0)
 * into `words[2 * at]` and `words[2 * at + 1]`: what the checkpoint cache stores per event.
 */
export function writeIdFingerprint(id: string, words: Uint32Array, at: number): void {
  // Both hashes in one pass over the id: FNV-1a (never 0: 0 marks an empty slot), and a second,
  // independent one (murmur3-style mixing with another seed). The index and the checkpoint
  // cache's ids file take them from here alone.
  let hi = 0x811c9dc5;
  let lo = 0x9747b28c ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    hi = Math.imul(hi ^ c, 0x01000193);
    let k = Math.imul(c, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    lo ^= Math.imul(k, 0x1b873593);
    lo = (lo << 13) | (lo >>> 19);
    lo = (Math.imul(lo, 5) + 0xe6546b64) | 0;
  }
  words[2 * at] = hi >>> 0 || 1;
  words[2 * at + 1] = mixLo(lo);
}

/** What an {@link IdIndex} holds ({@link IdIndex.toParts}), to save it and load it back. */
export interface IdIndexParts {
  /** The exact ids with the line that first used each, in the order added, while kept. */
  exact?: ReadonlyMap<string, number>;
  /** Past the exact ids: each run's shape and its numbers, increasing. */
  runs: Array<{ prefix: string; width: number; values: Float64Array }>;
  /** Past the exact ids: the table, two words a slot (a first word of 0 is an empty slot). */
  slots: Uint32Array;
}

/**
 * How many slots of an open-addressing table hold a fingerprint, or undefined when one of them
 * lies where a probe from its home slot (its second word's low bits) would not reach it: past
 * an empty slot, as a damaged or hand-made table could have it, and a look-up would then miss
 * an id the table holds. Also undefined when no slot is empty (a probe would never end).
 */
function reachableSlots(slots: Uint32Array, capacity: number): number | undefined {
  const mask = capacity - 1;
  let empty = -1;
  for (let slot = 0; slot < capacity; slot++) {
    if (slots[2 * slot] === EMPTY) {
      empty = slot;
      break;
    }
  }
  if (empty === -1) return undefined;
  let size = 0;
  // Around the ring from an empty slot: each run of full slots starts after an empty one, and
  // a fingerprint is reached when its home lies within its run, at or before it.
  let start = 1;
  for (let step = 1; step <= capacity; step++) {
    const slot = (empty + step) & mask;
    if (slots[2 * slot] === EMPTY) {
      start = step + 1;
      continue;
    }
    size++;
    const home = (slots[2 * slot + 1] as number) & mask;
    const back = (slot - home) & mask;
    if (back > step - start) return undefined;
  }
  return size;
}

/** Where the index takes an id's two hashes ({@link writeIdFingerprint}) before using them. */
const pair = new Uint32Array(2);

/** Whether the run holds the number `n` (its numbers increase: a binary search). */
function holds(run: Run, n: number): boolean {
  const values = run.values;
  let low = 0;
  let high = run.count - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const v = values[mid] as number;
    if (v === n) return true;
    if (v < n) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}

function tableSizeFor(count: number): number {
  let capacity = 1024;
  while (capacity < count * 2) capacity *= 2;
  return capacity;
}

/** The last mixing of the second hash of {@link writeIdFingerprint}. */
function mixLo(h: number): number {
  let m = h ^ (h >>> 16);
  m = Math.imul(m, 0x85ebca6b);
  m ^= m >>> 13;
  m = Math.imul(m, 0xc2b2ae35);
  m ^= m >>> 16;
  return m >>> 0;
}
