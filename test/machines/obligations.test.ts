import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Obligation, PhaseTerms } from '../../events/index.js';
import {
  countsToward,
  type ObligationDue,
  type ObligationStep,
  obligationKey,
  obligationStatus,
  obligationsOf,
  obligationTarget,
  stepKey,
} from '../../machines/index.js';

/**
 * The obligations a phase's terms state, resolved when the phase starts: deadlines counted from
 * its start and written in the start's own zone, to the second (docs/decisions.md). Expected
 * instants worked out by hand.
 */
const termsWith = (obligations: Obligation[]): PhaseTerms => ({ hostages: [], obligations });

describe('obligationsOf', () => {
  it('resolves each kind of obligation and its deadline in the zone the phase started in', () => {
    const due = obligationsOf(
      1,
      termsWith([
        { party: 'hamas', what: 'hostages', category: 'living', count: 20, withinHours: 72 },
        { party: 'hamas', what: 'remains', count: 28, withinDays: 2, line: 'not a withdrawal' },
        { party: 'israel', what: 'prisoners', count: 100, by: '2025-10-20T00:00:00Z' },
        { party: 'israel', what: 'withdrawal', line: 'yellow line', withinHours: 24 },
        { party: 'israel', what: 'withdrawal', count: 3 },
        { party: 'qatar', what: 'talks', line: 'not a withdrawal' },
        { party: 'qatar', what: 'talks', phase: 3, count: 1 },
        { party: 'hamas', what: 'hostages' },
      ]),
      '2025-10-10T12:00:00+03:00',
    );
    expect(due).toEqual([
      {
        phase: 1,
        party: 'hamas',
        what: 'hostages',
        category: 'living',
        count: 20,
        line: null,
        talksOn: null,
        due: '2025-10-13T12:00:00+03:00',
        round: null,
      },
      {
        phase: 1,
        party: 'hamas',
        what: 'remains',
        category: null,
        count: 28,
        line: null,
        talksOn: null,
        due: '2025-10-12T12:00:00+03:00',
        round: null,
      },
      {
        phase: 1,
        party: 'israel',
        what: 'prisoners',
        category: null,
        count: 100,
        line: null,
        talksOn: null,
        due: '2025-10-20T00:00:00Z',
        round: null,
      },
      {
        phase: 1,
        party: 'israel',
        what: 'withdrawal',
        category: null,
        count: null,
        line: 'yellow line',
        talksOn: null,
        due: '2025-10-11T12:00:00+03:00',
        round: null,
      },
      {
        phase: 1,
        party: 'israel',
        what: 'withdrawal',
        category: null,
        count: null,
        line: null,
        talksOn: null,
        due: null,
        round: null,
      },
      {
        phase: 1,
        party: 'qatar',
        what: 'talks',
        category: null,
        count: null,
        line: null,
        talksOn: 2,
        due: null,
        round: null,
      },
      {
        phase: 1,
        party: 'qatar',
        what: 'talks',
        category: null,
        count: null,
        line: null,
        talksOn: 3,
        due: null,
        round: null,
      },
      {
        phase: 1,
        party: 'hamas',
        what: 'hostages',
        category: null,
        count: 0,
        line: null,
        talksOn: null,
        due: null,
        round: null,
      },
    ]);
  });

  it('a zone west of Greenwich, across midnight, and UTC', () => {
    const within = (hours: number) =>
      termsWith([{ party: 'hamas', what: 'hostages', count: 1, withinHours: hours }]);
    expect(obligationsOf(2, within(20), '2025-10-10T06:30:00-05:30')[0]?.due).toBe(
      '2025-10-11T02:30:00-05:30',
    );
    expect(obligationsOf(2, within(1.5), '2024-01-01T23:00:00.000Z')[0]?.due).toBe(
      '2024-01-02T00:30:00Z',
    );
    const days = termsWith([{ party: 'hamas', what: 'remains', count: 1, withinDays: 3 }]);
    expect(obligationsOf(2, days, '2024-02-27T10:00:00+02:00')[0]?.due).toBe(
      '2024-03-01T10:00:00+02:00',
    );
  });

  it('terms with no obligations owe none', () => {
    expect(obligationsOf(1, { hostages: [] }, '2024-01-01T00:00:00Z')).toEqual([]);
  });
});

const due = (
  over: Partial<ObligationDue & { attempt: number }>,
): ObligationDue & { attempt: number } => ({
  phase: 1,
  party: 'hamas',
  what: 'hostages',
  category: 'living',
  count: 20,
  line: null,
  talksOn: null,
  due: '2025-10-13T12:00:00+03:00',
  round: null,
  attempt: 0,
  ...over,
});

describe('what counts toward an obligation (machines/obligations.ts decides, the projections count)', () => {
  const release = { kind: 'release', attempt: 0, what: 'hostages', category: 'living' } as const;

  it('a release item counts toward its own phase attempt, for what it is, of its category or of any', () => {
    expect(countsToward(due({}), release)).toBe(true);
    expect(countsToward(due({ category: null }), release)).toBe(true);
    expect(countsToward(due({ category: 'soldiers' }), release)).toBe(false);
    expect(countsToward(due({ attempt: 1 }), release)).toBe(false);
    expect(countsToward(due({ what: 'remains' }), release)).toBe(false);
    expect(countsToward(due({ what: 'prisoners' }), { ...release, what: 'prisoners' })).toBe(true);
  });

  it('a withdrawal counts toward its own party withdrawing to that line only', () => {
    const o = due({ what: 'withdrawal', party: 'israel', line: 'yellow', count: null });
    expect(countsToward(o, { kind: 'withdrawal', party: 'israel', line: 'yellow' })).toBe(true);
    expect(countsToward(o, { kind: 'withdrawal', party: 'hamas', line: 'yellow' })).toBe(false);
    expect(countsToward(o, { kind: 'withdrawal', party: 'israel', line: 'red' })).toBe(false);
    expect(countsToward(due({}), { kind: 'withdrawal', party: 'hamas', line: 'yellow' })).toBe(
      false,
    );
  });

  it('talks count toward talks on that phase only', () => {
    const o = due({ what: 'talks', talksOn: 2, count: null, party: null });
    expect(countsToward(o, { kind: 'talks', phase: 2 })).toBe(true);
    expect(countsToward(o, { kind: 'talks', phase: 3 })).toBe(false);
    expect(countsToward(due({ talksOn: 2 }), { kind: 'talks', phase: 2 })).toBe(false);
  });

  it('an obligation needs its count, or one event when it has none', () => {
    expect(obligationTarget(due({ count: 20 }))).toBe(20);
    expect(obligationTarget(due({ count: 0 }))).toBe(0);
    expect(obligationTarget(due({ count: null }))).toBe(1);
  });

  it('met for good once met; overdue only strictly after a deadline; open without one', () => {
    const o = { due: '2025-10-13T12:00:00+03:00', metAt: null };
    expect(obligationStatus(o, '2025-10-13T09:00:00Z')).toBe('open');
    expect(obligationStatus(o, '2025-10-13T09:00:00.001Z')).toBe('overdue');
    expect(obligationStatus({ ...o, metAt: '2025-10-20T00:00:00Z' }, '2025-10-30T00:00:00Z')).toBe(
      'met',
    );
    expect(obligationStatus({ due: null, metAt: null }, '2099-01-01T00:00:00Z')).toBe('open');
    expect(obligationStatus(o, null)).toBe('open');
  });
});

describe('the key an obligation shares with what counts toward it (obligationKey, stepKey)', () => {
  // Small domains, so that a step and an obligation often match on some fields and not others.
  const name = fc.constantFrom('israel', 'hamas', 'yellow', 'red', 'null');
  const obligation = fc.record({
    phase: fc.integer({ min: 1, max: 3 }),
    party: fc.option(name),
    what: fc.constantFrom('hostages', 'remains', 'prisoners', 'talks', 'withdrawal'),
    category: fc.option(fc.constantFrom('living', 'bodies', 'soldiers')),
    count: fc.option(fc.nat({ max: 3 })),
    line: fc.option(name),
    talksOn: fc.option(fc.integer({ min: 1, max: 3 })),
    due: fc.constant(null),
    round: fc.constant(null),
    attempt: fc.nat({ max: 2 }),
  }) as fc.Arbitrary<ObligationDue & { attempt: number }>;
  const step: fc.Arbitrary<ObligationStep> = fc.oneof(
    fc.record({
      kind: fc.constant('release' as const),
      attempt: fc.nat({ max: 2 }),
      what: fc.constantFrom('hostages' as const, 'remains' as const, 'prisoners' as const),
      category: fc.constantFrom('living', 'bodies', 'soldiers'),
    }),
    fc.record({ kind: fc.constant('withdrawal' as const), party: name, line: name }),
    fc.record({ kind: fc.constant('talks' as const), phase: fc.integer({ min: 1, max: 3 }) }),
  );

  /** A step made of the obligation's own fields: often one that counts toward it. */
  const stepLike = (o: ObligationDue & { attempt: number }): fc.Arbitrary<ObligationStep> => {
    if (o.what === 'withdrawal') {
      return fc.constant({ kind: 'withdrawal', party: o.party ?? 'israel', line: o.line ?? 'red' });
    }
    if (o.what === 'talks') return fc.constant({ kind: 'talks', phase: o.talksOn ?? 1 });
    const what = o.what;
    return fc.constant({
      kind: 'release',
      attempt: o.attempt,
      what,
      category: o.category ?? 'living',
    });
  };

  it('whatever counts toward an obligation has its key (so filing by key loses none)', () => {
    let counted = 0;
    fc.assert(
      fc.property(
        obligation.chain((o) => fc.tuple(fc.constant(o), fc.oneof(step, stepLike(o)))),
        ([o, s]) => {
          if (!countsToward(o, s)) return;
          counted++;
          expect(stepKey(s)).toBe(obligationKey(o));
        },
      ),
      { seed: 20231124, numRuns: 2000 },
    );
    // The property is about matches: the arbitraries must make many.
    expect(counted).toBeGreaterThan(100);
  });

  it('tells apart what cannot count toward one another', () => {
    const release = { kind: 'release', attempt: 0, what: 'hostages', category: 'living' } as const;
    const keys = [
      stepKey(release),
      stepKey({ ...release, attempt: 1 }),
      stepKey({ ...release, what: 'remains' }),
      stepKey({ kind: 'withdrawal', party: 'israel', line: 'yellow' }),
      stepKey({ kind: 'withdrawal', party: 'hamas', line: 'yellow' }),
      stepKey({ kind: 'withdrawal', party: 'israel', line: 'red' }),
      stepKey({ kind: 'talks', phase: 2 }),
      stepKey({ kind: 'talks', phase: 3 }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    const o = due({ what: 'withdrawal', party: 'israel', line: 'yellow', count: null });
    expect(obligationKey(o)).toBe(stepKey({ kind: 'withdrawal', party: 'israel', line: 'yellow' }));
    expect(obligationKey({ ...o, party: 'hamas' })).not.toBe(obligationKey(o));
    expect(obligationKey({ ...o, line: 'red' })).not.toBe(obligationKey(o));
    const talks = due({ what: 'talks', talksOn: 2, count: null, party: null });
    expect(obligationKey(talks)).toBe(stepKey({ kind: 'talks', phase: 2 }));
    expect(obligationKey({ ...talks, talksOn: 3 })).not.toBe(obligationKey(talks));
    expect(obligationKey(due({}))).toBe(stepKey(release));
    expect(obligationKey(due({ attempt: 1 }))).not.toBe(obligationKey(due({})));
    expect(obligationKey(due({ what: 'prisoners' }))).not.toBe(obligationKey(due({})));
    expect(new Set([obligationKey(o), obligationKey(talks), obligationKey(due({}))]).size).toBe(3);
  });
});
