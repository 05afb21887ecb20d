import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import type { TruceEvent } from '../../events/index.js';

/** 1,000 runs per property in CI, 100 locally; `TRUCE_RUNS` overrides both. */
export const numRuns = Number(process.env.TRUCE_RUNS ?? (process.env.CI ? 1000 : 100));

/**
 * The time a property test may take: its cost is a count of runs, not a deadline, so the bound
 * is wide enough for 1,000 runs on two cores shared with other work (a hang still fails).
 */
export const propertyTimeout = 15 * 60_000;

/** The fixed seed of every property run; `TRUCE_SEED` (and `TRUCE_PATH`) replay another. */
export const seed = Number(process.env.TRUCE_SEED ?? 20231124);

const root = join(import.meta.dirname, '..', '..');
const outDir = join(root, 'test-results', 'counterexamples');

/**
 * Runs a property with the suite's seed and run count. On failure it writes the shrunk
 * counterexample as a JSONL log that `truce replay` can run and throws a message with the
 * seed, the shrink path, the file and the commands that reproduce it.
 */
export function checkProperty<Ts extends [unknown, ...unknown[]]>(
  name: string,
  property: fc.IProperty<Ts>,
  logOf: (...args: Ts) => readonly TruceEvent[],
): void {
  failWith(name, fc.check(property, runParameters<Ts>()), logOf);
}

/** {@link checkProperty} for an async property. */
export async function checkAsyncProperty<Ts extends [unknown, ...unknown[]]>(
  name: string,
  property: fc.IAsyncProperty<Ts>,
  logOf: (...args: Ts) => readonly TruceEvent[],
  /** Runs of a property whose every run touches the disk, instead of {@link numRuns}. */
  runs: number = numRuns,
): Promise<void> {
  failWith(name, await fc.check(property, { ...runParameters<Ts>(), numRuns: runs }), logOf);
}

function runParameters<Ts>(): fc.Parameters<Ts> {
  const path = process.env.TRUCE_PATH;
  // Mutation testing only needs to know that a property fails, not its smallest counterexample.
  const endOnFailure = Boolean(path) || process.env.TRUCE_NO_SHRINK === '1';
  return { seed, numRuns, ...(path ? { path } : {}), ...(endOnFailure ? { endOnFailure } : {}) };
}

function failWith<Ts extends [unknown, ...unknown[]]>(
  name: string,
  details: fc.RunDetails<Ts>,
  logOf: (...args: Ts) => readonly TruceEvent[],
): void {
  if (!details.failed) return;
  if (process.env.TRUCE_NO_SHRINK === '1') throw new Error(`property "${name}" failed`);
  const counterPath = 'counterexamplePath' in details ? details.counterexamplePath : '?';
  let where = '';
  if (details.counterexample) {
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `${name}-seed${seed}.jsonl`);
    writeFileSync(file, toJsonl(logOf(...details.counterexample)));
    const rel = relative(root, file);
    where = `\ncounterexample log: ${rel}\n  replay it: node dist/cli/main.js replay ${rel}`;
  }
  throw new Error(
    `property "${name}" failed (seed ${seed}, path ${counterPath})${where}\n  reproduce: TRUCE_SEED=${seed} TRUCE_PATH=${counterPath} npx vitest run test/properties -t '${name}'\n${fc.defaultReportMessage(details) ?? ''}`,
  );
}

/** Serialises events as log lines, each ending in `\n`. */
export function toJsonl(events: readonly TruceEvent[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join('');
}
