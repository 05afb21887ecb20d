import { STEP_WINDOW, type StepView } from './protocol.js';

/** What a step is without its event: where its line lies and what it did to the statechart. */
export interface StepRow {
  /** 1-based line number of its event in the log. */
  line: number;
  /** For a log file: the byte just past its line. */
  end: number;
  /**
   * A hash of its line's text, to tell the line read again from one rewritten meanwhile: a
   * `source`'s only (a file's bytes are proven by the session's hash of them; none here).
   */
  hash: number | undefined;
  before: string;
  after: string;
  /** Ids of the transitions taken; the same list for every step that took the same ones. */
  transitions: string[];
}

/**
 * The steps of a log, a few numbers each, and the latest {@link STEP_WINDOW} to
 * {@link STEP_WINDOW} × 2 of them whole. A million steps kept whole, each with its event's data,
 * held 674 MB in `truce inspect`; a step is 32 bytes here, and an older step's event is read
 * again from the log when a window of it is asked for (`LogSession.steps`).
 */
export class StepTable {
  #count = 0;
  #line = new Float64Array(1024);
  #end = new Float64Array(1024);
  /** Only for a table made with `hashes` (a `source`'s steps): 4 bytes a step otherwise unused. */
  #hash: Uint32Array | undefined;
  #before = new Uint32Array(1024);
  #after = new Uint32Array(1024);
  #path = new Uint32Array(1024);
  /** The state paths met, each once, and their numbers. */
  readonly #states: string[] = [];
  readonly #stateNumbers = new Map<string, number>();
  /** The lists of transitions met, each once (75 serve a million generated steps). */
  readonly #paths: string[][] = [];
  readonly #pathNumbers = new Map<string, number>();
  readonly #pathOf = new Map<string[], number>();
  /** The latest steps whole, from index {@link StepTable.#tailStart}. */
  #tail: StepView[] = [];
  #tailStart = 0;

  /** With `hashes`, each step keeps a hash of its line (see {@link StepRow.hash}). */
  constructor(options: { hashes?: boolean } = {}) {
    this.#hash = options.hashes === true ? new Uint32Array(1024) : undefined;
  }

  /** How many steps there are. */
  get count(): number {
    return this.#count;
  }

  /** The index of the first step kept whole. */
  get tailStart(): number {
    return this.#tailStart;
  }

  /** The shared list for these transition ids: one per way through the chart, never changed. */
  transitions(ids: string[]): string[] {
    const key = ids.join(' ');
    const known = this.#pathNumbers.get(key);
    if (known !== undefined) return this.#paths[known] as string[];
    this.#pathNumbers.set(key, this.#paths.length);
    this.#pathOf.set(ids, this.#paths.length);
    this.#paths.push(ids);
    return ids;
  }

  /**
   * Adds the next step; `step.transitions` must come from {@link StepTable.transitions}, and
   * `hash` is kept by a table made with `hashes` only.
   */
  push(step: StepView, end: number, hash = 0): void {
    const i = this.#count;
    if (i === this.#line.length) this.#grow();
    this.#line[i] = step.line;
    this.#end[i] = end;
    if (this.#hash !== undefined) this.#hash[i] = hash;
    this.#before[i] = this.#stateNumber(step.before);
    this.#after[i] = this.#stateNumber(step.after);
    const path = this.#pathOf.get(step.transitions);
    if (path === undefined) throw new Error('a step’s transitions must come from transitions()');
    this.#path[i] = path;
    this.#count = i + 1;
    this.#tail.push(step);
    if (this.#tail.length >= 2 * STEP_WINDOW) {
      this.#tail = this.#tail.slice(STEP_WINDOW);
      this.#tailStart += STEP_WINDOW;
    }
  }

  /** Step `index` without its event. */
  row(index: number): StepRow {
    return {
      line: this.#line[index] as number,
      end: this.#end[index] as number,
      hash: this.#hash?.[index],
      before: this.#states[this.#before[index] as number] as string,
      after: this.#states[this.#after[index] as number] as string,
      transitions: this.#paths[this.#path[index] as number] as string[],
    };
  }

  /** The steps kept whole from `start` (at least {@link StepTable.tailStart}) to `end`. */
  kept(start: number, end = this.#count): StepView[] {
    return this.#tail.slice(start - this.#tailStart, end - this.#tailStart);
  }

  /** For each step from `from` on, `1` if it moved the statechart to another state, else `0`. */
  moves(from: number): string {
    const bytes = Buffer.allocUnsafe(Math.max(0, this.#count - from));
    for (let i = from; i < this.#count; i++)
      bytes[i - from] = this.#before[i] === this.#after[i] ? 0x30 : 0x31;
    return bytes.toString('latin1');
  }

  #stateNumber(path: string): number {
    let number = this.#stateNumbers.get(path);
    if (number === undefined) {
      number = this.#states.length;
      this.#states.push(path);
      this.#stateNumbers.set(path, number);
    }
    return number;
  }

  #grow(): void {
    const size = this.#line.length * 2;
    const grown = <T extends Float64Array | Uint32Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.#line = grown(this.#line, new Float64Array(size));
    this.#end = grown(this.#end, new Float64Array(size));
    if (this.#hash !== undefined) this.#hash = grown(this.#hash, new Uint32Array(size));
    this.#before = grown(this.#before, new Uint32Array(size));
    this.#after = grown(this.#after, new Uint32Array(size));
    this.#path = grown(this.#path, new Uint32Array(size));
  }
}
