import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { legalLog } from '../../testing/generator/legalLog.js';
import { breakingKinds, mutatedLog } from '../arbitraries/mutatedLog.js';
import { propertyTimeout, seed } from './settings.js';

/**
 * The generators are judged too: a generator that drifts away from phases, or a mutator that
 * stops breaking rules, would leave the properties passing on easy cases. Deterministic for the
 * fixed seed. These tests read no machine code, so mutation testing leaves them out.
 */
describe('what the generators produce (fixed seed)', { timeout: propertyTimeout }, () => {
  it('the mutator breaks every named rule, and most changes it makes break one', () => {
    const samples = fc.sample(mutatedLog(), { seed, numRuns: 1000 });
    const kinds = new Set(samples.map((m) => m.kind));
    for (const kind of Object.keys(breakingKinds)) expect(kinds).toContain(kind);
    const breaking = samples.filter((m) => m.breaks !== undefined).length;
    expect(breaking).toBeGreaterThanOrEqual(500);
  });

  it('most generated logs start a phase, and many complete one', () => {
    // Deterministic for the fixed seed: a generator that drifts away from phases fails here.
    const logs = fc.sample(legalLog(), { seed, numRuns: 1000 });
    const started = logs.filter((l) => l.some((e) => e.type === 'phase.started')).length;
    const completed = logs.filter((l) => l.some((e) => e.type === 'phase.completed')).length;
    const collapsed = logs.filter((l) => l.some((e) => e.type === 'hostilities.resumed')).length;
    console.log(
      `legal logs (seed ${seed}): ${started}/1000 start a phase, ${completed} complete one, ${collapsed} collapse`,
    );
    expect(started).toBeGreaterThanOrEqual(700);
    expect(completed).toBeGreaterThanOrEqual(400);
    expect(collapsed).toBeGreaterThanOrEqual(100);
  });
});
