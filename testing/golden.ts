import { readFile, writeFile } from 'node:fs/promises';
import type { ReplayReport } from '../projections/index.js';
import { replayLog } from '../replay/index.js';
import { ScenarioAssertionError } from './scenario.js';

/** Options of {@link expectGoldenReplay}. */
export interface GoldenOptions {
  /** Write the replay's report as the new expectation instead of comparing (review the diff!). */
  update?: boolean;
}

/** The first place two JSON values differ, as a path and the two values, or null. */
export function firstDifference(actual: unknown, expected: unknown, path = '$'): string | null {
  if (Object.is(actual, expected)) return null;
  if (
    typeof actual !== 'object' ||
    typeof expected !== 'object' ||
    actual === null ||
    expected === null ||
    Array.isArray(actual) !== Array.isArray(expected)
  ) {
    return `${path}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`;
  }
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  for (const key of keys) {
    const sub = Array.isArray(actual) ? `${path}[${key}]` : `${path}.${key}`;
    const diff = firstDifference(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
      sub,
    );
    if (diff) return diff;
  }
  return null;
}

/**
 * Replays `logPath` and compares its report with the JSON in `expectedPath`, failing with the
 * first differing field. Set `update` (or `TRUCE_UPDATE_GOLDEN=1`) to rewrite the expectation.
 *
 * @example
 * await expectGoldenReplay('examples/deal.jsonl', 'examples/deal.expected.json');
 */
export async function expectGoldenReplay(
  logPath: string,
  expectedPath: string,
  options: GoldenOptions = {},
): Promise<ReplayReport> {
  const { report } = await replayLog(logPath);
  const actual = JSON.parse(JSON.stringify(report)) as unknown;
  if (options.update ?? process.env.TRUCE_UPDATE_GOLDEN === '1') {
    await writeFile(expectedPath, `${JSON.stringify(report, null, 2)}\n`);
    return report;
  }
  let text: string;
  try {
    text = await readFile(expectedPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new ScenarioAssertionError(
      `${expectedPath} does not exist: run once with TRUCE_UPDATE_GOLDEN=1 to write it from ${logPath}, then review it`,
    );
  }
  const expected = JSON.parse(text) as unknown;
  const diff = firstDifference(actual, expected);
  if (diff) {
    throw new ScenarioAssertionError(`${logPath} no longer replays to ${expectedPath}: ${diff}`);
  }
  return report;
}
