import { describe, expect, it } from 'vitest';
import { type EventInput, given } from '../../testing/index.js';
import { opened, phase1Done } from '../machines/fixtures.js';

/**
 * What the report folds from the machine's decisions, in the cases the golden replays do not
 * reach: obligations met by the right events only, flare-ups restored one by one, hostages
 * still held after a count, open-ended pauses. Figures worked out by hand from the README.
 */

const at = (day: number, hour = 0): string => new Date(Date.UTC(2025, 9, day, hour)).toISOString();

const proposal = (phases: Array<Record<string, unknown>>): EventInput =>
  ({
    type: 'proposal.sent',
    data: { proposalId: 'plan', from: 'qatar', terms: { phases, permanentCeasefire: false } },
  }) as EventInput;

/** Opened, `phases` proposed and accepted whole by both principals, phase 1 started. */
const started = (phases: Array<Record<string, unknown>>): EventInput[] => [
  opened,
  proposal(phases),
  { type: 'proposal.accepted', data: { proposalId: 'plan', by: 'israel' } },
  { type: 'proposal.accepted', data: { proposalId: 'plan', by: 'hamas' } },
  { type: 'phase.started', data: { phase: 1 } },
];

const released = (
  hostages: Array<{ category: string; count: number }>,
  prisoners: Array<{ category: string; count: number }> = [],
): EventInput => ({
  type: 'release.completed',
  data: { phase: 1, hostages, ...(prisoners.length > 0 ? { prisoners } : {}) },
});

const obligations = [
  { party: 'hamas', what: 'hostages', category: 'living', count: 2 },
  { party: 'israel', what: 'prisoners', count: 30 },
  { party: 'israel', what: 'withdrawal', line: 'yellow line' },
  { party: 'hamas', what: 'withdrawal', line: 'yellow line' },
  { party: 'israel', what: 'withdrawal', line: 'border' },
  { party: 'qatar', what: 'talks', phase: 2 },
];
const withObligations = started([
  {
    days: 5,
    hostages: [
      { category: 'living', count: 4 },
      { category: 'bodies', count: 4 },
    ],
    obligations,
  },
]);

describe('obligations are met by what they name only', () => {
  it('a withdrawal by its party to its line; talks on their phase', () => {
    given([
      ...withObligations,
      { type: 'forces.withdrawn', data: { by: 'israel', line: 'yellow line' } },
    ])
      .when({ type: 'talks.started', data: { phase: 2, by: ['israel', 'hamas'] } })
      .thenReport((r) => {
        expect(r.obligations.map((o) => [o.what, o.party, o.line, o.status])).toEqual([
          ['hostages', 'hamas', null, 'open'],
          ['prisoners', 'israel', null, 'open'],
          ['withdrawal', 'israel', 'yellow line', 'met'],
          ['withdrawal', 'hamas', 'yellow line', 'open'],
          ['withdrawal', 'israel', 'border', 'open'],
          ['talks', 'qatar', null, 'met'],
        ]);
      });
  });

  it('hostages of their category, prisoners by prisoners, met once and for good', () => {
    given([
      ...withObligations,
      { ...released([{ category: 'bodies', count: 2 }], [{ category: 'women', count: 20 }]) },
      { ...released([{ category: 'living', count: 2 }]), at: '2025-10-20T00:00:00.000Z' },
    ])
      .when({
        ...released([{ category: 'living', count: 1 }], [{ category: 'women', count: 10 }]),
        at: '2025-10-21T00:00:00.000Z',
      })
      .thenReport((r) => {
        expect(r.obligations.slice(0, 2).map((o) => [o.fulfilled, o.metAt])).toEqual([
          [3, '2025-10-20T00:00:00.000Z'],
          [30, '2025-10-21T00:00:00.000Z'],
        ]);
      });
  });
});

describe('flare-ups, violations and demands', () => {
  const flare = (against?: string): EventInput =>
    ({
      type: 'flareup.reported',
      data: {
        by: 'hamas',
        description: 'rockets',
        wounded: 3,
        ...(against ? { against } : {}),
      },
    }) as EventInput;
  const restored = (day: number): EventInput => ({
    type: 'ceasefire.restored',
    at: at(day),
    data: { by: 'qatar' },
  });

  it('each restoration closes the flare-ups still open, not those closed before', () => {
    given([
      ...withObligations,
      { ...flare('israel'), at: at(12) },
      restored(13),
      { ...flare(), at: at(14) },
    ])
      .when(restored(15))
      .thenReport((r) => {
        expect(r.flareUps.map((f) => [f.against, f.wounded, f.restoredAt])).toEqual([
          ['israel', 3, at(13)],
          [null, 3, at(15)],
        ]);
      });
  });

  it('a violation against no one in particular is counted against no one', () => {
    given(withObligations)
      .when({ type: 'violation.reported', data: { by: 'israel', description: 'shots' } })
      .thenReport((r) => {
        expect(r.violations).toBe(1);
        expect(r.violationsAgainst).toEqual({});
      });
  });

  it('a demand with no terms states no stance', () => {
    given(withObligations)
      .when({ type: 'demand.stated', data: { by: 'hamas', description: 'the end of the war' } })
      .thenReport((r) => {
        expect(r.demands.map((d) => d.by)).toEqual(['hamas']);
        expect(r.stances.hamas?.withdrawal).toBeUndefined();
      });
  });

  it('a demand states a stance on the terms it names, and none on a key outside them', () => {
    // The catalogue keeps a demand's unknown keys and ignores them (README, "Log format"):
    // `zone` is no term a principal takes a stance on, so it is no stance.
    given(withObligations)
      .when({
        type: 'demand.stated',
        data: { by: 'hamas', description: 'a list', terms: { zone: 'north', hostages: 3 } },
      })
      .thenReport((r) => {
        expect(r.stances.hamas?.hostages).toEqual({
          value: 3,
          from: 'demand',
          proposalId: null,
          seq: 6,
          at: expect.any(String),
        });
        expect(Object.keys(r.stances.hamas ?? {})).not.toContain('zone');
      });
  });
});

describe('hostages still held after a count', () => {
  it('per category and in all, from the count on', () => {
    const phases = [
      {
        days: 5,
        hostages: [
          { category: 'women-and-children', count: 50 },
          { category: 'bodies', count: 5 },
        ],
      },
    ];
    given([
      ...started(phases),
      released([
        { category: 'women-and-children', count: 10 },
        { category: 'bodies', count: 1 },
      ]),
      { type: 'hostages.counted', data: { held: { 'women-and-children': 80, bodies: 4 } } },
    ])
      .when(
        released([
          { category: 'women-and-children', count: 5 },
          { category: 'bodies', count: 2 },
        ]),
      )
      .thenReport((r) => {
        expect(r.hostages.stillHeld).toEqual({
          alive: 75,
          deceased: 2,
          byCategory: { 'women-and-children': 75, bodies: 2 },
        });
      });
  });
});

describe('the pause', () => {
  it('an open-ended phase stays open-ended when extended, and makes the whole pause so', () => {
    const phases = [
      { hostages: [{ category: 'living', count: 1 }] },
      { days: 5, hostages: [{ category: 'living', count: 1 }] },
    ];
    given([...started(phases)])
      .when({ type: 'pause.extended', data: { phase: 1, days: 2 } })
      .thenReport((r) => {
        expect(r.hostages.byPhase[0]?.days).toBeNull();
        expect(r.hostages.byPhase[0]?.extensions).toBe(1);
        expect(r.pause.openEnded).toBe(true);
      });
    given([
      ...started(phases),
      released([{ category: 'living', count: 1 }]),
      { type: 'phase.completed', data: { phase: 1 } },
    ])
      .when({ type: 'phase.started', data: { phase: 2 } })
      .thenReport((r) => {
        expect(r.pause.days).toBeNull();
        expect(r.pause.openEnded).toBe(false);
      });
  });

  it('no day of the pause is counted once the phase is completed', () => {
    given(phase1Done.slice(0, -1))
      .when(phase1Done.at(-1) as EventInput)
      .thenReport((r) => {
        expect(r.state).toMatch(/^(negotiating|agreed)/);
        expect(r.pause.day).toBeNull();
      });
  });
});
