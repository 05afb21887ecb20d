import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TruceEvent } from '../../events/index.js';
import type { ReplayReport } from '../../projections/index.js';
import { expectedFigures } from './oracles/index.js';
import { reportFiguresOf } from './reportFigures.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');

/**
 * The oracles are code too: before they judge the machine, they must give the figures a person
 * checked by hand, the reviewed golden expectations of the example logs.
 */
describe('the oracles against the reviewed goldens', () => {
  it.each(['november-2023', 'talks-2024', 'october-2025', 'january-2024-proposals'])(
    '%s: the oracle gives the golden figures',
    (name) => {
      const events = readFileSync(join(examples, `${name}.jsonl`), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as TruceEvent);
      const reviewed = JSON.parse(
        readFileSync(join(examples, `${name}.expected.json`), 'utf8'),
      ) as ReplayReport;
      expect(expectedFigures(events)).toEqual(reportFiguresOf(reviewed));
    },
  );
});
