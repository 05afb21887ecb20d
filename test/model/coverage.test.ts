import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TruceEvent } from '../../events/index.js';
import { dealMachine } from '../../machines/index.js';
import { Replayer } from '../../replay/index.js';
import { chartStates, chartTransitions } from './statechart.js';
import { type CoverPlan, planCover, runTaking } from './transitionCover.js';
import { pool, truceAsync } from './truceAsync.js';

const outDir = join(import.meta.dirname, '..', '..', 'test-results', 'model-paths');

let plan: CoverPlan;

beforeAll(() => {
  plan = planCover();
});

describe('model-based coverage of the deal statechart', () => {
  it('takes every transition and visits every state of the machine definition', () => {
    const states = chartStates(dealMachine);
    const transitions = chartTransitions(dealMachine);
    const seenStates = new Set<string>();
    const seenTransitions = new Set<unknown>();
    for (const path of plan.paths) {
      const taken = runTaking(path);
      for (const s of taken.states) seenStates.add(s);
      for (const t of taken.transitions) seenTransitions.add(t);
    }
    const missedStates = states.filter((s) => !seenStates.has(s));
    const missedTransitions = transitions.filter((t) => !seenTransitions.has(t.definition));
    const line = `statechart coverage: states ${states.length - missedStates.length}/${states.length}, transitions ${transitions.length - missedTransitions.length}/${transitions.length}`;
    console.log(
      `${line}\n(${plan.paths.length} paths, ${plan.paths.reduce((n, p) => n + p.length, 0)} events, from a graph of ${plan.graphStates} keyed states and ${plan.graphEdges} edges)`,
    );
    expect({ missedStates, missedTransitions: missedTransitions.map((t) => t.key) }).toEqual({
      missedStates: [],
      missedTransitions: [],
    });
  });

  it('replays every path through the Replayer without a rejection', () => {
    for (const path of plan.paths) {
      const replayer = new Replayer();
      for (const event of path) replayer.apply(event);
      expect(replayer.seq).toBe(path.length);
    }
  });

  it('every path is a valid log for `truce validate`', async () => {
    mkdirSync(outDir, { recursive: true });
    const files = plan.paths.map((path, i) => {
      const file = join(outDir, `path-${String(i + 1).padStart(3, '0')}.jsonl`);
      writeFileSync(file, toJsonl(path));
      return file;
    });
    const results = await pool(files, 4, (file) => truceAsync(['validate', file]));
    const failures = results.filter((r) => r.status !== 0);
    expect(failures).toEqual([]);
    for (const [i, r] of results.entries()) {
      expect(r.stdout).toContain(`${plan.paths[i]?.length} event`);
    }
    // One `truce validate` process per path (over 40 with catalogue v2's events), four at a time,
    // on a machine shared with other work: a generous bound, never a measure of speed.
  }, 300_000);
});

function toJsonl(events: readonly TruceEvent[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join('');
}
