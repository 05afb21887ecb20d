import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BOUND_AFTER_EVENTS,
  BOUNDED_HEAP_MIN_BYTES,
  COLLECT_AFTER_EVENTS,
  RESUME_FAR_BYTES,
  RESUME_FAR_EVENTS,
  resumesFar,
  YOUNG_GENERATION_BOUND,
} from '../../cli/boundedHeap.js';
import { truceBin } from './truce.js';

// Issue 12, item 2: a long replay's heap is kept small by the command line alone (V8 settings
// of its own process). Each case runs in a process of its own: the settings are process-wide.

const dir = mkdtempSync(join(tmpdir(), 'truce-heap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dist = join(import.meta.dirname, '..', '..', 'dist');
const fixtures = join(import.meta.dirname, 'fixtures');
const november = join(import.meta.dirname, '..', '..', 'examples', 'november-2023.jsonl');

/** Runs a script with node and gives its stdout. */
function node(args: string[]): string {
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}

let runs = 0;

/** Runs the built `truce` and lists the V8 flags it set while it ran. */
function truceFlags(args: string[]): { status: number | null; stdout: string; flags: string[] } {
  const file = join(dir, `flags-${++runs}.txt`);
  const run = spawnSync(
    process.execPath,
    ['--import', join(fixtures, 'recordV8Flags.mjs'), truceBin, ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, TRUCE_RECORD_FLAGS: file },
      timeout: 120_000,
      maxBuffer: 1 << 28,
    },
  );
  const flags = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return { status: run.status, stdout: run.stdout, flags };
}

/** `lines` as a log of at least `bytes`: each event gets an unknown field, which the reader ignores. */
function paddedLog(name: string, lines: readonly string[], bytes: number): string {
  const padding = 'x'.repeat(Math.ceil(bytes / lines.length));
  const path = join(dir, name);
  const padded = lines.map((line) => line.replace(/\}$/, `,"padding":"${padding}"}`));
  writeFileSync(path, `${padded.join('\n')}\n`);
  return path;
}

const logLines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('the bounded heap of a long replay', () => {
  it("stops the young generation growing at 8 MB, where V8's own default lets it reach 32 MB", () => {
    const script = join(fixtures, 'youngGeneration.mjs');
    expect(Number(node([script, dist]))).toBeGreaterThan(YOUNG_GENERATION_BOUND);
    expect(Number(node([script, dist, 'bounded']))).toBe(YOUNG_GENERATION_BOUND);
    // Told to wait for more events than come, it is left to V8, unless told the replay is long.
    expect(Number(node([script, dist, 'later']))).toBeGreaterThan(YOUNG_GENERATION_BOUND);
    expect(Number(node([script, dist, 'now']))).toBe(YOUNG_GENERATION_BOUND);
  });

  it('takes a query resuming far from where it stops for a long replay: 16,384 events before its seq, or 4 MiB before the end', () => {
    expect(resumesFar({ until: 999_000 }, 998_400, 184_000_000)).toBe(false);
    expect(resumesFar({ until: 100_000 }, 100_000 - RESUME_FAR_EVENTS + 1, 0)).toBe(false);
    expect(resumesFar({ until: 100_000 }, 100_000 - RESUME_FAR_EVENTS, 0)).toBe(true);
    // From the first line (no checkpoint there) to a seq far on.
    expect(resumesFar({ until: 100_000, end: 1_000 }, 0, 0)).toBe(true);
    // Without a seq, by the bytes left (`--at`), and far when the end is not known.
    expect(resumesFar({ end: 100 * 1024 * 1024 }, 1, 100 * 1024 * 1024 - RESUME_FAR_BYTES)).toBe(
      true,
    );
    expect(
      resumesFar({ end: 100 * 1024 * 1024 }, 1, 100 * 1024 * 1024 - RESUME_FAR_BYTES + 1),
    ).toBe(false);
    expect(resumesFar({}, 5, 5)).toBe(true);
  });

  it('collects what nothing holds any more (a dropped id index) and leaves no gc function about', () => {
    const script = `
      import { runInNewContext } from 'node:vm';
      const { boundHeapForLongReplay } = await import(${JSON.stringify(`${dist}/cli/boundedHeap.js`)});
      const heap = boundHeapForLongReplay();
      let index = new Uint32Array(1 << 22);
      index[7] = 1;
      // Old, as a replay's index is by its end: only a full collection frees it then.
      let junk;
      for (let i = 0; i < 4_000_000; i++) junk = { i, junk: i % 2 ? junk : undefined };
      const ref = new WeakRef(index);
      // Read after the loop: a variable the code no longer reads is dead to the collector.
      if (index[7] !== 1) throw new Error('the index changed');
      const before = process.memoryUsage().arrayBuffers;
      // A WeakRef holds its target to the end of the job that made it; and any collection the
      // loop started ends meanwhile, so only collect() can free the index below.
      await new Promise((resolve) => setTimeout(resolve, 500));
      index = undefined;
      heap.collect();
      const collected = ref.deref() === undefined;
      // The freed buffers' memory is given back by a thread of V8's: waited for up to 30 s, so
      // that a busy machine delays the answer but does not change it.
      for (let i = 0; i < 3000 && process.memoryUsage().arrayBuffers >= before; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const after = process.memoryUsage().arrayBuffers;
      process.stdout.write(JSON.stringify({
        collected, before, after, global: typeof globalThis.gc, fresh: runInNewContext('typeof gc'),
      }));`;
    const { collected, before, after, global, fresh } = JSON.parse(
      node(['--input-type=module', '-e', script]),
    ) as { collected: boolean; before: number; after: number; global: string; fresh: string };
    expect(collected).toBe(true);
    expect(before).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(after).toBeLessThan(1024 * 1024);
    expect([global, fresh]).toEqual(['undefined', 'undefined']);
  });

  it('is not asked for on a short log: the replay sets no V8 flag', () => {
    const run = truceFlags(['replay', november, '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).state).toBeTypeOf('string');
    expect(run.flags).toEqual([]);
  });

  it('bounds the heap of a log of 32 MiB or more, and does not collect after a few events', () => {
    const lines = logLines(readFileSync(november, 'utf8'));
    const long = paddedLog('padded.jsonl', lines, BOUNDED_HEAP_MIN_BYTES);
    const run = truceFlags(['replay', long, '--json', '--no-cache']);
    expect(run.status).toBe(0);
    // The same report as the log without its padding: the settings change no answer.
    expect(run.stdout).toBe(truceFlags(['replay', november, '--json']).stdout);
    expect(run.flags).toContain('--heap-growing-percent=50');
    expect(run.flags).not.toContain('--expose-gc');
  });

  it('bounds the heap of truce validate of a log of 32 MiB or more too, and of no short log', () => {
    const lines = logLines(readFileSync(november, 'utf8'));
    const long = paddedLog('padded-validate.jsonl', lines, BOUNDED_HEAP_MIN_BYTES);
    const run = truceFlags(['validate', long, '--json']);
    expect(run.status).toBe(0);
    // The same verdict as the log without its padding: the settings change no answer.
    expect(run.stdout).toBe(truceFlags(['validate', november, '--json']).stdout);
    expect(run.flags).toContain('--heap-growing-percent=50');
    expect(truceFlags(['validate', november]).flags).toEqual([]);
  });

  it('collects after a long replay: before the report (replay), before the cache is finished (a first status), never after a few events', () => {
    const generated = spawnSync(
      process.execPath,
      [truceBin, 'generate', '--events', String(COLLECT_AFTER_EVENTS), '--seed', '3'],
      { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000 },
    );
    expect(generated.status).toBe(0);
    const long = paddedLog('generated.jsonl', logLines(generated.stdout), BOUNDED_HEAP_MIN_BYTES);
    const collections = (flags: string[]) => flags.filter((f) => f === '--expose-gc').length;

    const replay = truceFlags(['replay', long, '--json', '--no-cache']);
    expect(replay.status).toBe(0);
    expect(JSON.parse(replay.stdout).seq).toBe(COLLECT_AFTER_EVENTS);
    expect(collections(replay.flags)).toBe(1);
    // V8 grows the young generation to 8 MB within the first tens of thousands of events.
    expect(replay.flags).toContain('--semi-space-growth-factor=1');
    // status writes one line: nothing to collect for after a replay without the cache.
    const noCache = truceFlags(['status', long, '--no-cache']);
    expect(noCache.status).toBe(0);
    expect(noCache.flags).toContain('--heap-growing-percent=50');
    expect(collections(noCache.flags)).toBe(0);
    // The first replay through the cache writes its last checkpoints' whole states after it.
    const first = truceFlags(['status', long]);
    expect(first.stdout).toBe(noCache.stdout);
    expect(collections(first.flags)).toBe(1);
    expect(first.flags).toContain('--semi-space-growth-factor=1');
    // The report from the cache: a few events replayed from its last checkpoint, no collection.
    const cached = truceFlags(['replay', long, '--json']);
    expect(cached.stdout).toBe(replay.stdout);
    expect(cached.flags).toContain('--heap-growing-percent=50');
    expect(cached.flags).toContain('--semi-space-growth-factor=1');
    expect(collections(cached.flags)).toBe(0);
    // A query with a target reads the state of the checkpoint there with the young generation
    // left to V8, and bounds it only once it has replayed as many events as a long replay.
    const at = String(BOUND_AFTER_EVENTS * 64);
    const query = truceFlags(['replay', long, '--until', at]);
    expect(query.stdout).toBe(truceFlags(['replay', long, '--until', at, '--no-cache']).stdout);
    expect(query.flags).toEqual(['--heap-growing-percent=50']);
    // Unless it writes a report that lists everything: that is written in fewer fresh pages
    // with the young generation bounded from the start.
    for (const all of [['--json'], ['--full']]) {
      const listing = truceFlags(['replay', long, '--until', at, ...all]);
      expect(listing.status).toBe(0);
      expect(listing.flags).toContain('--semi-space-growth-factor=1');
    }
    // 3,172 events past the checkpoint there (the next is 4,096 on): long enough to be bounded.
    const further = truceFlags([
      'status',
      long,
      '--until',
      String(Number(at) + BOUND_AFTER_EVENTS * 3 + 100),
    ]);
    expect(further.status).toBe(0);
    expect(further.flags).toContain('--semi-space-growth-factor=1');
    // A first replay through the cache collects once, before the cache's end, not again before
    // its report: only what writing the cache's end let go is left then.
    rmSync(`${realpathSync(long)}.truce-cache`, { recursive: true, force: true });
    const firstReport = truceFlags(['replay', long, '--json']);
    expect(firstReport.stdout).toBe(replay.stdout);
    expect(collections(firstReport.flags)).toBe(1);
  }, 120_000);
});
