import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TruceEvent } from '../../events/index.js';
import { expectedFigures, withoutV2Keys } from './oracles/index.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');

/**
 * The oracles are code too: before they judge the machine, they must give the figures a person
 * checked by hand, the reviewed golden expectations of the example logs.
 */
describe('the oracles against the reviewed goldens', () => {
  it.each(['november-2023', 'talks-2024'])('%s: the oracle gives the golden figures', (name) => {
    const events = readFileSync(join(examples, `${name}.jsonl`), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as TruceEvent);
    const reviewed = JSON.parse(readFileSync(join(examples, `${name}.expected.json`), 'utf8'));
    const golden = { ...reviewed, ...withoutV2Keys(reviewed) };
    const oracle = expectedFigures(events);
    expect({
      state: oracle.state,
      phase: oracle.phase,
      hostages: oracle.hostages,
      prisoners: oracle.prisoners,
      aid: oracle.aid,
      pause: oracle.pause,
      violations: oracle.violations,
      proposals: oracle.proposals,
    }).toEqual({
      state: golden.state,
      phase: golden.phase,
      hostages: golden.hostages,
      prisoners: golden.prisoners,
      aid: golden.aid,
      pause: golden.pause,
      violations: golden.violations,
      proposals: golden.proposals.map((p: { proposalId: string; status: string }) => ({
        proposalId: p.proposalId,
        status: p.status,
      })),
    });
  });
});
