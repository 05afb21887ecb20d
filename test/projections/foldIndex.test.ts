import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ObligationStep, obligationKey, stepKey } from '../../machines/index.js';
import { FoldIndex } from '../../projections/foldIndex.js';
import type { AidAccount, FlareUp, ObligationProgress } from '../../projections/index.js';

/**
 * The fold's index of the projection's long lists answers what a scan of the whole list
 * answers, however the lists grew before and between the questions: the reference here is the
 * scan itself (every position whose entry matches), never the index.
 */

const obligation = fc.record({
  phase: fc.constant(1),
  party: fc.option(fc.constantFrom('israel', 'hamas')),
  what: fc.constantFrom('hostages', 'remains', 'prisoners', 'talks', 'withdrawal'),
  category: fc.option(fc.constantFrom('living', 'bodies')),
  count: fc.option(fc.nat({ max: 3 })),
  line: fc.option(fc.constantFrom('yellow', 'red')),
  talksOn: fc.option(fc.integer({ min: 1, max: 3 })),
  due: fc.constant(null),
  round: fc.constant(null),
  attempt: fc.nat({ max: 3 }),
  fulfilled: fc.constant(0),
  metAt: fc.constant(null),
}) as fc.Arbitrary<ObligationProgress>;

const aid = fc
  .record({ attempt: fc.nat({ max: 3 }), region: fc.constantFrom('north', 'south') })
  .map(
    ({ attempt, region }): AidAccount => ({
      attempt,
      region,
      phase: 1,
      startedAt: '2025-10-10T00:00:00Z',
      endedAt: null,
      trucksPerDay: 1,
      fuelTrucksPerDay: null,
      trucks: 0,
      fuelTrucks: 0,
    }),
  );

const flareUp = fc.option(fc.constant('2025-10-11T00:00:00Z')).map(
  (restoredAt): FlareUp => ({
    seq: 1,
    at: '2025-10-10T00:00:00Z',
    by: 'israel',
    against: null,
    description: 'shots',
    killed: null,
    wounded: null,
    restoredAt,
  }),
);

const step: fc.Arbitrary<ObligationStep> = fc.oneof(
  fc.record({
    kind: fc.constant('release' as const),
    attempt: fc.nat({ max: 3 }),
    what: fc.constantFrom('hostages' as const, 'remains' as const, 'prisoners' as const),
    category: fc.constantFrom('living', 'bodies'),
  }),
  fc.record({
    kind: fc.constant('withdrawal' as const),
    party: fc.constantFrom('israel', 'hamas'),
    line: fc.constantFrom('yellow', 'red'),
  }),
  fc.record({ kind: fc.constant('talks' as const), phase: fc.integer({ min: 1, max: 3 }) }),
);

type Op =
  | { op: 'obligation'; value: ObligationProgress }
  | { op: 'aid'; value: AidAccount }
  | { op: 'flareUp'; value: FlareUp }
  | { op: 'askObligations'; of: ObligationProgress }
  | { op: 'askStep'; step: ObligationStep }
  | { op: 'askAid'; attempt: number }
  | { op: 'restore' };

const op: fc.Arbitrary<Op> = fc.oneof(
  obligation.map((value) => ({ op: 'obligation' as const, value })),
  aid.map((value) => ({ op: 'aid' as const, value })),
  flareUp.map((value) => ({ op: 'flareUp' as const, value })),
  obligation.map((of) => ({ op: 'askObligations' as const, of })),
  step.map((s) => ({ op: 'askStep' as const, step: s })),
  fc.nat({ max: 4 }).map((attempt) => ({ op: 'askAid' as const, attempt })),
  fc.constant({ op: 'restore' as const }),
);

const positions = <T>(list: readonly T[], keep: (item: T) => boolean): number[] =>
  list.flatMap((item, i) => (keep(item) ? [i] : []));

describe('FoldIndex (projections/foldIndex.ts)', () => {
  it('finds exactly the entries a scan of the whole list finds, as the lists grow (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(obligation, { maxLength: 6 }),
        fc.array(aid, { maxLength: 6 }),
        fc.array(flareUp, { maxLength: 6 }),
        fc.array(op, { maxLength: 60 }),
        (givenObligations, givenAid, givenFlareUps, ops) => {
          // Lists as a snapshot may hold them, then grown as a fold grows them (copies: the
          // shrinker runs the property again on the values it was given).
          const [obligations, aidOwed, flareUps] = [
            [...givenObligations],
            [...givenAid],
            [...givenFlareUps],
          ];
          const index = new FoldIndex();
          // Booleans, not expect(): a failing run is shrunk through many failing runs, and
          // expect() words a diff for each.
          const same = (a: readonly number[], b: readonly number[]) => isDeepStrictEqual(a, b);
          for (const o of ops) {
            switch (o.op) {
              case 'obligation':
                obligations.push(o.value);
                break;
              case 'aid':
                aidOwed.push(o.value);
                break;
              case 'flareUp':
                flareUps.push(o.value);
                break;
              case 'askObligations': {
                const key = obligationKey(o.of);
                const found = index.obligations(obligations, key);
                if (
                  !same(
                    found,
                    positions(obligations, (x) => obligationKey(x) === key),
                  )
                ) {
                  return false;
                }
                break;
              }
              case 'askStep': {
                // The machine's own pairing: a step may count toward an obligation of its key.
                const key = stepKey(o.step);
                if (
                  !same(
                    index.obligationsOf(obligations, o.step),
                    positions(obligations, (x) => obligationKey(x) === key),
                  )
                ) {
                  return false;
                }
                break;
              }
              case 'askAid':
                if (
                  !same(
                    index.aid(aidOwed, o.attempt),
                    positions(aidOwed, (x) => x.attempt === o.attempt),
                  )
                ) {
                  return false;
                }
                break;
              case 'restore': {
                const open = index.takeOpenFlareUps(flareUps);
                if (
                  !same(
                    open,
                    positions(flareUps, (x) => x.restoredAt === null),
                  )
                )
                  return false;
                // As the fold does: every open flare-up is restored.
                for (const i of open)
                  flareUps[i] = { ...(flareUps[i] as FlareUp), restoredAt: 'now' };
                break;
              }
            }
          }
          return true;
        },
      ),
      { seed: 20231124, numRuns: 500 },
    );
  });

  it('finds nothing for a key or attempt no entry has', () => {
    const index = new FoldIndex();
    expect(index.obligations([], 'talks\u00002')).toEqual([]);
    expect(index.aid([], 0)).toEqual([]);
    expect(index.takeOpenFlareUps([])).toEqual([]);
  });
});
