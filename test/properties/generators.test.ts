import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TruceEvent } from '../../events/index.js';
import { DealModel } from '../../testing/generator/dealModel.js';
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

  it("draws catalogue v2's shapes: open-ended phases, fixed lists, fractional ratios, obligations, schedules, aid by region, remains both ways, flare-ups, events after a permanent ceasefire", () => {
    const logs = fc.sample(legalLog(), { seed, numRuns: 1000 });
    const phases = (e: TruceEvent) => (e.type === 'proposal.sent' ? e.data.terms.phases : []);
    const count = (test: (e: TruceEvent) => boolean) => logs.filter((l) => l.some(test)).length;
    // After a permanent ceasefire: the events that follow `concluded`, late remains among them.
    let afterConclusion = 0;
    let lateRemains = 0;
    for (const log of logs) {
      const model = new DealModel();
      let after = false;
      for (const event of log) {
        if (model.state === 'concluded') {
          after = true;
          if (event.type === 'release.completed') lateRemains += 1;
        }
        model.apply(event);
      }
      if (after) afterConclusion += 1;
    }
    const mix = {
      openEnded: count((e) => phases(e).some((p) => p.days === undefined)),
      fixedLists: count((e) => phases(e).some((p) => p.prisonerTotals !== undefined)),
      fractional: count((e) =>
        phases(e).some((p) =>
          (p.exchange ?? []).some((x) => !Number.isInteger(x.prisonersPerHostage)),
        ),
      ),
      obligations: count((e) => phases(e).some((p) => p.obligations !== undefined)),
      schedules: count((e) => phases(e).some((p) => p.schedule !== undefined)),
      aidByRegion: count((e) => phases(e).some((p) => p.aidByRegion !== undefined)),
      deceased: count(
        (e) => e.type === 'release.completed' && (e.data.hostages ?? []).some((h) => h.deceased),
      ),
      remainsReturned: count((e) => e.type === 'remains.returned'),
      flareUps: count((e) => e.type === 'flareup.reported'),
      restored: count((e) => e.type === 'ceasefire.restored'),
      demands: count((e) => e.type === 'demand.stated'),
      withdrawals: count((e) => e.type === 'forces.withdrawn'),
      talksStarted: count((e) => e.type === 'talks.started'),
      afterConclusion,
      lateRemains,
    };
    console.log(`legal logs (seed ${seed}), v2 shapes: ${JSON.stringify(mix)}`);
    for (const [shape, n] of Object.entries(mix)) {
      expect(n, shape).toBeGreaterThanOrEqual(shape === 'lateRemains' ? 10 : 50);
    }
  });
});
