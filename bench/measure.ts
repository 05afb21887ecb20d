import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

/** What one run of a measurement gives: named figures (`ms`, `rssMb`, `perSecond`…). */
export type Figures = Record<string, number>;

/** One thing to measure: a label and a run that returns its figures. */
export interface Measurement {
  label: string;
  run: () => Figures | Promise<Figures>;
}

/** Options of {@link compare}. */
export interface CompareOptions {
  /** The benchmark's name, for `TRUCE_BENCH_JSON` records (`coldstart`, `validate`…). */
  bench: string;
  /** What every subject is compared with, measured in the same run. */
  baseline: Measurement;
  subjects: readonly Measurement[];
  /** Runs of each, interleaved (baseline, subject 1, subject 2, …, then again): at least 5. */
  runs?: number;
  /** Whether to measure once, unrecorded, before the runs (a first run pays for cold caches). */
  warmup?: boolean;
}

/** The medians of one measurement over its runs. */
export interface Medians {
  label: string;
  /** The median of each figure over the runs. */
  median: Figures;
  /** Every run's figures, in run order. */
  samples: Figures[];
}

/** What {@link compare} measured: the baseline's medians and each subject's. */
export interface Comparison {
  bench: string;
  runs: number;
  baseline: Medians;
  subjects: Medians[];
}

/** How many runs a figure is the median of, unless a bench says otherwise: the issue's floor. */
export const DEFAULT_RUNS = 5;

/**
 * Measures a baseline and subjects `runs` times each, interleaved so that a change in the
 * machine's load falls on all of them alike, and gives the median of every figure. Compare
 * figures only with the baseline measured in the same call: absolute figures on a shared
 * machine move with its load, ratios much less.
 *
 * @example
 * const result = await compare({
 *   bench: 'coldstart',
 *   baseline: { label: 'node -e 0', run: () => timeProcess(['-e', '0']) },
 *   subjects: [{ label: 'truce --version', run: () => timeProcess([truce, '--version']) }],
 * });
 * printComparison(result, { figure: 'ms', unit: 'ms' });
 */
export async function compare(options: CompareOptions): Promise<Comparison> {
  const runs = options.runs ?? DEFAULT_RUNS;
  const all = [options.baseline, ...options.subjects];
  if (options.warmup) for (const m of all) await m.run();
  const samples: Figures[][] = all.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (const [i, m] of all.entries()) samples[i]?.push(await m.run());
  }
  const medians = all.map((m, i) => mediansOf(m.label, samples[i] ?? []));
  return {
    bench: options.bench,
    runs,
    baseline: medians[0] as Medians,
    subjects: medians.slice(1),
  };
}

/** The median of each figure over `samples` (the mean of the middle two for an even count). */
export function mediansOf(label: string, samples: Figures[]): Medians {
  const keys = new Set(samples.flatMap((s) => Object.keys(s)));
  const median: Figures = {};
  for (const key of keys) {
    median[key] = median1(samples.map((s) => s[key]).filter((v) => v !== undefined));
  }
  return { label, median, samples };
}

/** The median of numbers (the mean of the middle two for an even count); NaN for none. */
export function median1(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Options of {@link printComparison}. */
export interface PrintOptions {
  /** The figure shown and compared (`ms`, `perSecond`…). */
  figure: string;
  /** Its unit as printed (`ms`, `events/s`…). */
  unit: string;
  /** Digits after the point; 0 by default, with thousands separators. */
  digits?: number;
  /** Other figures printed beside it: `{ rssMb: 'MB peak RSS' }`. */
  extra?: Record<string, string>;
}

/**
 * Prints one line per measurement: the median of the figure, the ratio to the baseline's
 * median (subject ÷ baseline: above 1 is slower for a time, faster for a rate), and the runs.
 * With `TRUCE_BENCH_JSON=FILE`, also appends each line to FILE as a JSON object, for
 * bench/README.md's table.
 */
export function printComparison(result: Comparison, options: PrintOptions): void {
  const { figure } = options;
  const base = result.baseline.median[figure] ?? Number.NaN;
  const rows = [result.baseline, ...result.subjects];
  const width = Math.max(...rows.map((r) => r.label.length)) + 2;
  for (const [i, row] of rows.entries()) {
    const value = row.median[figure] ?? Number.NaN;
    const ratio = value / base;
    const extras = Object.entries(options.extra ?? {})
      .filter(([key]) => row.median[key] !== undefined)
      .map(([key, unit]) => `, ${format(row.median[key] as number, 0)} ${unit}`)
      .join('');
    console.log(
      `${row.label.padEnd(width)}${format(value, options.digits ?? 0).padStart(12)} ${options.unit}${extras}   ${i === 0 ? 'baseline' : `${ratio.toFixed(2)}× the baseline`}   (median of ${result.runs})`,
    );
    record({
      bench: result.bench,
      label: row.label,
      figure,
      unit: options.unit,
      median: value,
      ...Object.fromEntries(Object.keys(options.extra ?? {}).map((k) => [k, row.median[k]])),
      baseline: result.baseline.label,
      ratio: i === 0 ? 1 : ratio,
      runs: result.runs,
    });
  }
}

function format(value: number, digits: number): string {
  return value.toLocaleString('en', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Appends one JSON line to `TRUCE_BENCH_JSON`, when it is set, with the date, cores, Node and load. */
export function record(fields: Record<string, unknown>): void {
  const file = process.env.TRUCE_BENCH_JSON;
  if (!file) return;
  const machine = {
    cores: cpus().length,
    node: process.versions.node,
    load: Number(loadavg()[0]?.toFixed(1)),
  };
  appendFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), ...machine, ...fields })}\n`,
  );
}

/** One line saying where the figures come from: date, cores, Node, load. */
export function machineLine(): string {
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return `${new Date().toISOString()}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.versions.node}, load ${load}`;
}

/** What {@link timeProcess} measured: wall time in ms. */
export interface ProcessTime extends Figures {
  ms: number;
}

/**
 * Runs `node ARGS` to its end and gives its wall time, start to exit, as a user waits for it
 * (stdout and stderr are read and dropped). Throws when it exits other than 0.
 */
export function timeProcess(args: readonly string[], options: { cwd?: string } = {}): ProcessTime {
  const started = performance.now();
  execFileSync(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  return { ms: performance.now() - started };
}

/**
 * The source of an expression a child script evaluates to its own peak RSS in MB: Linux's
 * `VmHWM` (the high-water mark of the process's own memory), read from `/proc/self/status`;
 * elsewhere `process.resourceUsage().maxRSS`. Not maxRSS on Linux: a process started by fork and
 * exec keeps as its maxRSS the peak of the process that forked it, so a bench that had read a
 * 185 MB log gave every child it ran a "peak" of at least 193 MB, the parse floor's included
 * (checked: a child of a 343 MB parent reported a maxRSS of 290 MB and a VmHWM of 39 MB).
 * `/usr/bin/time`, forked from a small process, is not misled.
 */
export const PEAK_RSS_MB =
  "((status) => { const hwm = status && /VmHWM:\\s*(\\d+) kB/.exec(status); return hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024; })((() => { try { return process.getBuiltinModule('node:fs').readFileSync('/proc/self/status', 'utf8'); } catch { return undefined; } })())";

const RSS_MARK = 'truce-bench-rss:';
/** A preload that prints the process's peak RSS on stderr as it exits, for {@link timeProcessRss}. */
const RSS_PRELOAD = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\n${RSS_MARK}'+${encodeURIComponent(PEAK_RSS_MB)}+'\\n'))`;

/**
 * {@link timeProcess} and the process's peak RSS in MB (`rssMb`): `node --import` a preload
 * that reports it at exit. For a whole command, e.g. `truce replay big.jsonl --json`.
 */
export function timeProcessRss(args: readonly string[]): ProcessTime & { rssMb: number } {
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', RSS_PRELOAD, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const ms = performance.now() - started;
  if (run.status !== 0)
    throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  const mark = run.stderr.lastIndexOf(RSS_MARK);
  return { ms, rssMb: Number(run.stderr.slice(mark + RSS_MARK.length).trim()) };
}

/**
 * Runs an ES module script in a child Node (`node --input-type=module -e SCRIPT ARGS`) that
 * prints its figures as one JSON object on stdout, and gives them: so that each run has its own
 * heap, its own peak RSS and no JIT state from the run before.
 *
 * @example
 * childFigures(`const t = performance.now(); …; process.stdout.write(JSON.stringify({ ms: performance.now() - t }))`, [file]);
 */
export function childFigures(script: string, args: readonly string[] = []): Figures {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out) as Figures;
}

/**
 * {@link childFigures} of a script ending in {@link REPORT_FIGURES}, with the rates added:
 * `perSecond` (events per second) and `usPerEvent`. Throws unless it counted `expected` events.
 */
export function childRates(script: string, args: readonly string[], expected?: number): Figures {
  const figures = childFigures(script, args);
  const events = figures.events ?? 0;
  const ms = figures.ms ?? Number.NaN;
  if (expected !== undefined && events !== expected) {
    throw new Error(`a run counted ${events} events, not ${expected}`);
  }
  return { ...figures, perSecond: (events / ms) * 1000, usPerEvent: (ms * 1000) / events };
}

/**
 * The end of a {@link childFigures} script: prints `events`, the `ms` since `started` and the
 * peak RSS in MB as the JSON object `childFigures` reads.
 */
export const REPORT_FIGURES = `process.stdout.write(JSON.stringify({ events, ms: performance.now() - started, rssMb: ${PEAK_RSS_MB} }));`;

/**
 * Writes `truce generate --events N --seed S` (the built CLI) to `file`: the legal, varied log
 * issue 12's figures are measured on (`--events 1000000 --seed 7`: 1M events, ≈ 215 MB).
 *
 * @example
 * writeGeneratedLog(join(dir, 'big.jsonl'), { events: 1_000_000, seed: 7 });
 */
export function writeGeneratedLog(file: string, options: { events: number; seed: number }): void {
  const truce = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
  const fd = openSync(file, 'w');
  try {
    execFileSync(
      process.execPath,
      [truce, 'generate', '--events', String(options.events), '--seed', String(options.seed)],
      { stdio: ['ignore', fd, 'inherit'] },
    );
  } finally {
    closeSync(fd);
  }
}
