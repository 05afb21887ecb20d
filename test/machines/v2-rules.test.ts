import { describe, expect, it } from 'vitest';
import type { Terms } from '../../events/index.js';
import { toReport } from '../../projections/index.js';
import { replayLog } from '../../replay/index.js';
import { type EventInput, given } from '../../testing/index.js';
import {
  accept,
  acceptPhase,
  extend,
  opened,
  phase1Done,
  release,
  sent,
  start,
} from './fixtures.js';

// Every `at` the scenarios leave out is 2024-01-01T00:00Z plus its seq in hours.
const ceasefireOpened: EventInput = {
  type: 'negotiation.opened',
  data: {
    title: 'Open-ended ceasefire',
    parties: [
      { id: 'israel', name: 'Israel', role: 'principal' },
      { id: 'hamas', name: 'Hamas', role: 'principal' },
      { id: 'us', name: 'United States', role: 'mediator' },
    ],
    held: { living: 20, bodies: 28 },
  },
};
const ceasefireTerms: Terms = {
  phases: [
    {
      hostages: [
        { category: 'living', count: 20 },
        { category: 'bodies', count: 28 },
      ],
      prisonerTotals: [
        { category: 'sentenced', count: 250 },
        { category: 'detainees', count: 1718 },
      ],
      remainsPerDeceasedHostage: 15,
      obligations: [
        { party: 'hamas', what: 'hostages', category: 'living', count: 20, withinHours: 72 },
        { party: 'hamas', what: 'remains', count: 28 },
        { party: 'israel', what: 'withdrawal', line: 'yellow line', withinHours: 24 },
      ],
    },
  ],
  permanentCeasefire: false,
};
const ceasefire: EventInput[] = [
  ceasefireOpened,
  { type: 'proposal.sent', data: { proposalId: 'plan', from: 'us', terms: ceasefireTerms } },
  { type: 'phase.accepted', data: { proposalId: 'plan', phase: 1, by: 'hamas' } },
  { type: 'phase.accepted', data: { proposalId: 'plan', phase: 1, by: 'israel' } },
  // seq 5: the ceasefire starts at 2024-01-01T05:00Z
  start(1),
];
const living = (count: number, at?: string): EventInput => ({
  type: 'release.completed',
  ...(at === undefined ? {} : { at }),
  data: { phase: 1, hostages: [{ category: 'living', count }] },
});
const bodies = (count: number): EventInput => ({
  type: 'release.completed',
  data: { phase: 1, hostages: [{ category: 'bodies', count, deceased: true }] },
});
const flareUp: EventInput = {
  type: 'flareup.reported',
  data: { by: 'israel', against: 'hamas', description: 'strikes after an attack', killed: 2 },
};
const restored: EventInput = { type: 'ceasefire.restored', data: { by: 'israel' } };

describe('open-ended phases', () => {
  it('a phase without days holds, the report says so and counts the day', () => {
    given(ceasefire.slice(0, 4))
      .when(start(1))
      .thenState('inPhase')
      .thenReport((r) => {
        expect(r.pause).toEqual({ days: null, extensions: 0, day: 1, openEnded: true });
        expect(r.hostages.byPhase[0]?.days).toBeNull();
      });
  });
});

describe('obligations', () => {
  it('given the 72-hour deadline, when all 20 come out inside it, then met', () => {
    given(ceasefire)
      .when(living(20))
      .thenReport((r) => {
        const o = r.obligations.find((x) => x.what === 'hostages');
        expect(o).toMatchObject({ due: '2024-01-04T05:00:00Z', fulfilled: 20, status: 'met' });
        expect(r.obligations.find((x) => x.what === 'remains')?.status).toBe('open');
      });
  });

  it('asked at an instant after the deadline with none released, then overdue; with no deadline, open', async () => {
    const { replayer } = await replayFrom(ceasefire);
    const report = toReport(
      replayer.projection(),
      { state: replayer.state },
      {
        asOf: '2024-01-04T05:00:01Z',
      },
    );
    expect(report.obligations.map((o) => [o.what, o.status])).toEqual([
      ['hostages', 'overdue'],
      ['remains', 'open'],
      ['withdrawal', 'overdue'],
    ]);
    const withdrawalDue = toReport(
      replayer.projection(),
      { state: replayer.state },
      {
        asOf: '2024-01-02T06:00:00Z',
      },
    );
    expect(withdrawalDue.obligations.map((o) => o.status)).toEqual(['open', 'open', 'overdue']);
  });

  it('only releases of its category count; a withdrawal is met by forces.withdrawn to its line', () => {
    given([...ceasefire, bodies(3)])
      .when({ type: 'forces.withdrawn', data: { by: 'israel', line: 'yellow line' } })
      .thenReport((r) => {
        expect(r.obligations.map((o) => [o.what, o.fulfilled, o.status])).toEqual([
          ['hostages', 0, 'open'],
          ['remains', 3, 'open'],
          ['withdrawal', 1, 'met'],
        ]);
      });
  });
});

describe('fixed prisoner lists and remains both ways', () => {
  it('prisonerTotals are due from the phase start; more released is reported beyond due', () => {
    given(ceasefire)
      .when({
        type: 'release.completed',
        data: { phase: 1, prisoners: [{ category: 'sentenced', count: 2000 }] },
      })
      .thenReport((r) => {
        expect(r.prisoners.due).toBe(1968);
        expect(r.prisoners.beyondDue).toBe(32);
      });
  });

  it('remains returned by the other side are their own account, 15 per deceased hostage', () => {
    given([...ceasefire, bodies(4)])
      .when({ type: 'remains.returned', data: { by: 'israel', count: 45, phase: 1 } })
      .thenReport((r) => {
        expect(r.remains).toEqual({ returned: 45, due: 60 });
        expect(r.prisoners.released).toBe(0);
        expect(r.hostages.stillHeld).toEqual({
          alive: 20,
          deceased: 24,
          byCategory: { living: 20, bodies: 24 },
        });
      });
  });

  it('a fractional ratio owes whole prisoners, rounded half up over the phase, however releases split', () => {
    const fractional: EventInput[] = [
      opened,
      {
        type: 'proposal.sent',
        data: {
          proposalId: 'f',
          from: 'qatar',
          terms: {
            phases: [
              {
                days: 4,
                hostages: [{ category: 'women-and-children' }],
                exchange: [{ category: 'women-and-children', prisonersPerHostage: 3.2 }],
              },
            ],
            permanentCeasefire: false,
          },
        },
      },
      accept('israel', 'f'),
      accept('hamas', 'f'),
      start(1),
    ];
    given([...fractional, release(1), release(1)])
      .when(release(1))
      .thenReport((r) => expect(r.prisoners.due).toBe(10)); // 3 × 3.2 = 9.6
    given(fractional)
      .when(release(3))
      .thenReport((r) => expect(r.prisoners.due).toBe(10));
  });

  // Found by the oracle, which multiplies the ratio as written exactly: in binary floating point
  // 0.7 × 45 is 31.499999999999996, and the machine owed 31 for what the README says is 31.5,
  // rounded half up to 32 (and 4.1 × 15 = 61.5 owed 61).
  it('a ratio written in decimals rounds as written: 0.7 × 45 = 31.5 owes 32, for prisoners and remains alike', () => {
    const decimal = (ratio: number, remains: number): EventInput[] => [
      opened,
      {
        type: 'proposal.sent',
        data: {
          proposalId: 'd',
          from: 'qatar',
          terms: {
            phases: [
              {
                hostages: [{ category: 'women-and-children' }, { category: 'bodies' }],
                exchange: [{ category: 'women-and-children', prisonersPerHostage: ratio }],
                remainsPerDeceasedHostage: remains,
              },
            ],
            permanentCeasefire: false,
          },
        },
      },
      accept('israel', 'd'),
      accept('hamas', 'd'),
      start(1),
    ];
    given(decimal(0.7, 0))
      .when(release(45))
      .thenReport((r) => expect(r.prisoners.due).toBe(32));
    given(decimal(4.1, 0))
      .when(release(15))
      .thenReport((r) => expect(r.prisoners.due).toBe(62));
    given([...decimal(0.7, 0), release(44)])
      .when(release(1))
      .thenReport((r) => expect(r.prisoners.due).toBe(32));
    given(decimal(0, 0.7))
      .when({
        type: 'release.completed',
        data: { phase: 1, hostages: [{ category: 'bodies', count: 45, deceased: true }] },
      })
      .thenReport((r) => expect(r.remains.due).toBe(32));
  });
});

describe('flare-ups inside a ceasefire', () => {
  it('strain the ceasefire without ending it; the restoration ends the strain', () => {
    given(ceasefire)
      .when(flareUp)
      .thenState('inPhase')
      .thenReport((r) => {
        expect(r.ceasefire).toEqual({ strained: true, flareUps: 1 });
        expect(r.flareUps[0]).toMatchObject({ seq: 6, by: 'israel', killed: 2, restoredAt: null });
      });
    given([...ceasefire, flareUp, restored])
      .when(living(20))
      .thenState('inPhase')
      .thenReport((r) => {
        expect(r.ceasefire).toEqual({ strained: false, flareUps: 1 });
        expect(r.flareUps[0]?.restoredAt).toBe('2024-01-01T07:00:00.000Z');
      });
  });

  it('a restoration with no flare-up open is refused', () => {
    given(ceasefire).when(restored).thenRejected('ceasefire.notStrained');
  });

  it('a flare-up with no ceasefire in force is refused', () => {
    given([ceasefireOpened]).when(flareUp).thenRejected('flareup.noCeasefire');
  });
});

describe('after a permanent ceasefire', () => {
  const concluded: EventInput[] = [...phase1Done, start(2), release(20, 2, 'soldiers')];
  it('aid, violations, head counts, remains and flare-ups are still recorded', () => {
    const after = [...concluded, { type: 'phase.completed', data: { phase: 2 } } as EventInput];
    given(after)
      .when({ type: 'aid.delivered', data: { region: 'north', trucks: 10 } })
      .thenState('concluded');
    given(after)
      .when({ type: 'remains.returned', data: { by: 'israel', count: 3 } })
      .thenState('concluded')
      .thenReport((r) => expect(r.remains.returned).toBe(3));
    given(after).when(flareUp).thenState('concluded');
  });
  it('an event that would reopen the deal is refused', () => {
    const after = [...concluded, { type: 'phase.completed', data: { phase: 2 } } as EventInput];
    given(after).when(start(3)).thenRejected('deal.concluded');
  });

  // Late remains of deceased hostages, returned after the permanent ceasefire: counted under the
  // deal toward its last phase, beyond the terms' counts if so; nothing else a release carries.
  const after = [...concluded, { type: 'phase.completed', data: { phase: 2 } } as EventInput];
  const lateRemains = (
    hostages: Array<{ category: string; count: number; deceased?: boolean }>,
    extra: Record<string, unknown> = {},
    phase = 2,
  ): EventInput => ({ type: 'release.completed', data: { phase, hostages, ...extra } });

  it('given a concluded deal, when remains of deceased hostages come back, then they are counted toward its last phase', () => {
    given(after)
      .when(lateRemains([{ category: 'soldiers', count: 2, deceased: true }]))
      .thenState('concluded')
      .thenReport((r) => {
        expect(r.hostages.bodiesReturned).toBe(2);
        expect(r.hostages.releasedAlive).toBe(70);
        expect(r.hostages.byCategory.soldiers).toBe(22);
        // Beyond the 20 soldiers the terms named: remains are a fact to record.
        expect(r.hostages.byPhase[1]).toMatchObject({ hostagesReleased: 22, hostagesNamed: 20 });
        // Phase 2 owes 10 prisoners per soldier counted, the deceased too.
        expect(r.prisoners.due).toBe(150 + 220);
        expect(r.hostages.stillHeld).toEqual({
          alive: 50,
          deceased: 0,
          byCategory: { 'women-and-children': 50, soldiers: 0 },
        });
      });
    given(after)
      .when(lateRemains([{ category: 'bodies', count: 1 }]))
      .thenState('concluded')
      .thenReport((r) => expect(r.hostages.bodiesReturned).toBe(1));
  });

  it('late remains count toward the last phase remains obligation and the remains due the other way', () => {
    const remainsTerms: Terms = {
      phases: [
        {
          hostages: [{ category: 'living', count: 1 }],
          remainsPerDeceasedHostage: 15,
          obligations: [{ party: 'hamas', what: 'remains', count: 2 }],
        },
      ],
      permanentCeasefire: true,
    };
    const ended: EventInput[] = [
      ceasefireOpened,
      { type: 'proposal.sent', data: { proposalId: 'end', from: 'us', terms: remainsTerms } },
      { type: 'proposal.accepted', data: { proposalId: 'end', by: 'hamas' } },
      { type: 'proposal.accepted', data: { proposalId: 'end', by: 'israel' } },
      start(1),
      living(1),
      { type: 'phase.completed', data: { phase: 1 } },
    ];
    given([...ended, lateRemains([{ category: 'bodies', count: 1, deceased: true }], {}, 1)])
      .when(lateRemains([{ category: 'bodies', count: 1, deceased: true }], {}, 1))
      .thenState('concluded')
      .thenReport((r) => {
        expect(r.remains.due).toBe(30);
        expect(r.obligations[0]).toMatchObject({ what: 'remains', fulfilled: 2, status: 'met' });
      });
  });

  it('a late release of the living, of prisoners, of hostages outside the deal, of another phase or of nothing is refused', () => {
    const only =
      'after the permanent ceasefire a release can only return remains of deceased hostages';
    given(after)
      .when(lateRemains([{ category: 'soldiers', count: 2 }]))
      .thenRejected(
        'release.afterConclusion',
        `${only} (deceased: true or category bodies); this one releases 2 living soldiers`,
      );
    given(after)
      .when(
        lateRemains([
          { category: 'bodies', count: 1 },
          { category: 'women-and-children', count: 1 },
        ]),
      )
      .thenRejected('release.afterConclusion', /releases 1 living women-and-children$/);
    given(after)
      .when(
        lateRemains([{ category: 'bodies', count: 1 }], {
          prisoners: [{ category: 'women', count: 3 }],
        }),
      )
      .thenRejected('release.afterConclusion', `${only}; this one releases prisoners`);
    given(after)
      .when(
        lateRemains([{ category: 'bodies', count: 1 }], {
          outsideDeal: [{ group: 'thai', count: 1 }],
        }),
      )
      .thenRejected(
        'release.afterConclusion',
        `${only}; this one releases hostages outside the deal`,
      );
    given(after)
      .when(lateRemains([{ category: 'bodies', count: 1 }], {}, 1))
      .thenRejected(
        'release.afterConclusion',
        `${only}, counted toward phase 2, the deal's last; this one is for phase 1`,
      );
    given(after)
      .when(lateRemains([]))
      .thenRejected('release.afterConclusion', `${only}; this one returns none`);
    given(after)
      .when({ type: 'release.completed', data: { phase: 2 } })
      .thenRejected('release.afterConclusion', `${only}; this one returns none`);
  });

  it('a release after a phase completed without concluding still needs a phase in progress', () => {
    given(phase1Done)
      .when(lateRemains([{ category: 'bodies', count: 1 }], {}, 1))
      .thenRejected('phase.notInProgress');
  });
});

describe('positions per term and public demands', () => {
  const demand = (by: string, end: boolean): EventInput => ({
    type: 'demand.stated',
    data: {
      by,
      description: end ? 'end of the war' : 'no end of the war',
      terms: { permanentCeasefire: end },
    },
  });
  const israelOffer: EventInput = {
    type: 'proposal.sent',
    data: {
      proposalId: 'p1',
      from: 'israel',
      terms: {
        phases: [{ days: 4, hostages: [{ category: 'women-and-children', count: 50 }] }],
        permanentCeasefire: false,
      },
    },
  };
  it('a demand states a stance on the terms it names: the end of the war is a sticking point', () => {
    given([opened, demand('hamas', true)])
      .when(israelOffer)
      .thenReport((r) => {
        expect(r.stickingPoints.find((p) => p.term === 'permanentCeasefire')?.positions).toEqual({
          hamas: true,
          israel: false,
        });
        expect(r.demands.map((d) => d.by)).toEqual(['hamas']);
      });
  });
  it('accepting one phase of the other side’s proposal does not accept its end-of-war clause', () => {
    given([opened, demand('hamas', true), israelOffer])
      .when(acceptPhase('hamas', 1))
      .thenReport((r) => {
        expect(r.stances.hamas?.permanentCeasefire).toMatchObject({ value: true, from: 'demand' });
        expect(r.stickingPoints.map((p) => p.term)).toContain('permanentCeasefire');
      });
  });
  it('accepting the whole proposal does', () => {
    given([opened, demand('hamas', true), israelOffer])
      .when(accept('hamas'))
      .thenReport((r) => {
        expect(r.stances.hamas?.permanentCeasefire).toMatchObject({
          value: false,
          from: 'acceptance',
        });
        expect(r.stickingPoints).toEqual([]);
      });
  });
  it('a demand by a mediator is refused', () => {
    given([opened])
      .when({ type: 'demand.stated', data: { by: 'qatar', description: 'x' } })
      .thenRejected('party.notPrincipal');
  });
});

describe('time sanity', () => {
  it('a release dated before its phase started is refused', () => {
    given(ceasefire).when(living(1, '2024-01-01T04:00:00Z')).thenRejected('time.beforePhaseStart');
  });
  it('an acceptance dated before its proposal was sent is refused', () => {
    given([opened, sent()])
      .when({
        type: 'proposal.accepted',
        at: '2024-01-01T01:00:00Z',
        data: { proposalId: 'p1', by: 'israel' },
      })
      .thenRejected('time.beforeProposal');
  });
});

async function replayFrom(events: EventInput[]) {
  const lines = events.map((e, i) =>
    JSON.stringify({
      seq: i + 1,
      id: `e${i + 1}`,
      at: e.at ?? new Date(Date.parse('2024-01-01T00:00:00Z') + (i + 1) * 3_600_000).toISOString(),
      type: e.type,
      data: e.data,
    }),
  );
  async function* source() {
    yield new TextEncoder().encode(`${lines.join('\n')}\n`);
  }
  return replayLog(source());
}

describe('terms as real deals state them', () => {
  const parties: EventInput = {
    type: 'negotiation.opened',
    data: {
      title: 'Stages',
      parties: [
        { id: 'israel', name: 'Israel', role: 'principal' },
        { id: 'hamas', name: 'Hamas', role: 'principal' },
        { id: 'qatar', name: 'Qatar', role: 'mediator' },
      ],
    },
  };
  const agreedOn = (phase: Terms['phases'][number], permanentCeasefire = false): EventInput[] => [
    parties,
    {
      type: 'proposal.sent',
      data: { proposalId: 'p', from: 'qatar', terms: { phases: [phase], permanentCeasefire } },
    },
    { type: 'proposal.accepted', data: { proposalId: 'p', by: 'israel' } },
    { type: 'proposal.accepted', data: { proposalId: 'p', by: 'hamas' } },
    // seq 5: the phase starts at 2024-01-01T05:00Z
    start(1),
  ];
  const asOf = async (inputs: EventInput[], instant: string) => {
    const { replayer } = await replayFrom(inputs);
    return toReport(replayer.projection(), { state: replayer.state }, { asOf: instant });
  };

  // A release schedule: round day D is due by the end of day D of the phase (D × 24 h from its
  // start); counts add up over rounds; a category named without a count owes nothing countable.
  const scheduled: Terms['phases'][number] = {
    days: 7,
    hostages: [{ category: 'women', count: 3 }, { category: 'children' }, { category: 'bodies' }],
    exchange: [{ category: 'women', prisonersPerHostage: 30 }],
    schedule: [
      {
        day: 3,
        hostages: [{ category: 'women', count: 2 }, { category: 'children' }],
        prisoners: 60,
      },
      { day: 1, hostages: [{ category: 'women', count: 1 }], prisoners: 30 },
      { day: 5, hostages: [{ category: 'bodies', count: 2 }] },
    ],
  };
  const women = (count: number, prisoners: number): EventInput => ({
    type: 'release.completed',
    data: {
      phase: 1,
      hostages: [{ category: 'women', count }],
      prisoners: [{ category: 'detainees', count: prisoners }],
    },
  });

  it('given a release schedule, when the phase starts, then each round owes what it names by its day, counts adding up', () => {
    given(agreedOn(scheduled).slice(0, 4))
      .when(start(1))
      .thenReport((r) => {
        expect(
          r.obligations.map((o) => [o.round, o.party, o.what, o.category, o.count, o.due]),
        ).toEqual([
          [1, null, 'hostages', 'women', 1, '2024-01-02T05:00:00Z'],
          [1, null, 'prisoners', null, 30, '2024-01-02T05:00:00Z'],
          [3, null, 'hostages', 'women', 3, '2024-01-04T05:00:00Z'],
          [3, null, 'prisoners', null, 90, '2024-01-04T05:00:00Z'],
          [5, null, 'remains', 'bodies', 2, '2024-01-06T05:00:00Z'],
        ]);
      });
  });

  it('a round is met by the releases of the phase up to its count, overdue after its day unmet', async () => {
    const after = [...agreedOn(scheduled), women(1, 30)];
    expect(
      (await asOf(after, '2024-01-04T05:00:00Z')).obligations.map((o) => [o.round, o.status]),
    ).toEqual([
      [1, 'met'],
      [1, 'met'],
      [3, 'open'],
      [3, 'open'],
      [5, 'open'],
    ]);
    const late = await asOf(after, '2024-01-04T05:00:01Z');
    expect(late.obligations.map((o) => o.status)).toEqual([
      'met',
      'met',
      'overdue',
      'overdue',
      'open',
    ]);
    const done = await asOf([...after, women(2, 60)], '2024-01-09T00:00:00Z');
    expect(done.obligations.map((o) => [o.fulfilled, o.status])).toEqual([
      [3, 'met'],
      [90, 'met'],
      [3, 'met'],
      [90, 'met'],
      [0, 'overdue'],
    ]);
  });

  it('a round of nothing countable owes nothing; one of 0 is met as the phase starts', () => {
    given(
      agreedOn({
        hostages: [{ category: 'children' }],
        schedule: [
          { day: 1, hostages: [{ category: 'children' }, { category: 'children', count: 2 }] },
          { day: 2, hostages: [{ category: 'women', count: 0 }] },
        ],
      }).slice(0, 4),
    )
      .when(start(1))
      .thenReport((r) => {
        expect(r.obligations.map((o) => [o.round, o.category, o.count, o.status])).toEqual([
          [2, 'women', 0, 'met'],
        ]);
      });
  });

  it('the replay names a schedule round by its day', async () => {
    const { report } = await replayFrom([...agreedOn(scheduled), women(1, 30)]);
    expect(report.obligations[0]).toMatchObject({ party: null, round: 1, status: 'met' });
  });

  // Aid per region per day: each day of the phase begun (day 1 the day it starts) owes the
  // region its figure, up to the phase's end and its days with extensions.
  const aided: Terms['phases'][number] = {
    days: 4,
    hostages: [{ category: 'women', count: 3 }],
    aidByRegion: [
      { region: 'north', trucksPerDay: 50, fuelTrucksPerDay: 2 },
      { region: 'south', trucksPerDay: 150 },
      { region: 'north', trucksPerDay: 10 },
      { region: 'centre' },
    ],
    extension: { hostagesPerDay: 1, maxDays: 2 },
  };
  const aid = (
    region: string,
    trucks: number,
    extra: Record<string, unknown> = {},
  ): EventInput => ({
    type: 'aid.delivered',
    data: { region, trucks, ...extra },
  });

  it('given aid per region per day, then the report owes each region its figure for every day begun, beside what was delivered there', async () => {
    const inputs = [
      ...agreedOn(aided),
      aid('north', 40, { fuelTrucks: 1 }),
      aid('south', 100),
      aid('centre', 7),
      aid('north', 5, { phase: 1 }),
    ];
    const day2 = await asOf(inputs, '2024-01-02T05:00:00Z');
    expect(day2.aid.due).toEqual([
      {
        phase: 1,
        region: 'north',
        trucksPerDay: 60,
        fuelTrucksPerDay: 2,
        days: 2,
        trucksDue: 120,
        fuelTrucksDue: 4,
        trucks: 45,
        fuelTrucks: 1,
      },
      {
        phase: 1,
        region: 'south',
        trucksPerDay: 150,
        fuelTrucksPerDay: null,
        days: 2,
        trucksDue: 300,
        fuelTrucksDue: null,
        trucks: 100,
        fuelTrucks: 0,
      },
      {
        phase: 1,
        region: 'centre',
        trucksPerDay: null,
        fuelTrucksPerDay: null,
        days: 2,
        trucksDue: null,
        fuelTrucksDue: null,
        trucks: 7,
        fuelTrucks: 0,
      },
    ]);
    // Just before the second day begins, one day is owed; at the phase's start, one too.
    const day1 = await asOf(inputs, '2024-01-02T04:59:59Z');
    expect(day1.aid.due.map((d) => d.days)).toEqual([1, 1, 1]);
    expect((await asOf(inputs, '2024-01-01T05:00:00Z')).aid.due[0]?.days).toBe(1);
    // A 4-day pause owes 4 days at most, then 5 with an extension of a day.
    expect((await asOf(inputs, '2024-02-01T00:00:00Z')).aid.due[0]?.days).toBe(4);
    const extended = [...inputs, extend(1, 1)];
    expect((await asOf(extended, '2024-02-01T00:00:00Z')).aid.due[0]?.trucksDue).toBe(300);
  });

  it('aid stops being owed when the phase completes or fighting resumes, and what comes after counts toward none', async () => {
    const release3: EventInput = {
      type: 'release.completed',
      at: '2024-01-02T06:00:00Z',
      data: { phase: 1, hostages: [{ category: 'women', count: 3 }] },
    };
    const completed = [
      ...agreedOn(aided),
      release3,
      { type: 'phase.completed', at: '2024-01-02T07:00:00Z', data: { phase: 1 } } as EventInput,
      aid('south', 30, { at: undefined }),
    ];
    const afterCompletion = await asOf(completed, '2024-02-01T00:00:00Z');
    expect(afterCompletion.aid.due.map((d) => [d.region, d.days, d.trucks])).toEqual([
      ['north', 2, 0],
      ['south', 2, 0],
      ['centre', 2, 0],
    ]);
    const collapsed = [
      ...agreedOn(aided),
      {
        type: 'hostilities.resumed',
        at: '2024-01-03T06:00:00Z',
        data: { by: 'israel' },
      } as EventInput,
    ];
    const afterCollapse = await asOf(collapsed, '2024-02-01T00:00:00Z');
    expect(afterCollapse.aid.due.map((d) => d.days)).toEqual([3, 3, 3]);
    // Fighting resumed with no phase in progress ends no phase's aid.
    const again = await asOf(
      [...completed, { type: 'hostilities.resumed', data: { by: 'hamas' } }],
      '2024-02-01T00:00:00Z',
    );
    expect(again.aid.due.map((d) => d.days)).toEqual([2, 2, 2]);
  });

  it('aid reported for an earlier phase counts toward none in force', async () => {
    const inputs: EventInput[] = [
      parties,
      {
        type: 'proposal.sent',
        data: {
          proposalId: 'p',
          from: 'qatar',
          terms: { phases: [{ days: 1, hostages: [] }, aided], permanentCeasefire: false },
        },
      },
      { type: 'proposal.accepted', data: { proposalId: 'p', by: 'israel' } },
      { type: 'proposal.accepted', data: { proposalId: 'p', by: 'hamas' } },
      start(1),
      { type: 'phase.completed', data: { phase: 1 } },
      start(2),
      aid('south', 9, { phase: 1 }),
      aid('south', 4, { phase: 2 }),
    ];
    const report = await asOf(inputs, '2024-01-01T08:00:00Z');
    expect(report.aid.due.map((d) => [d.phase, d.region, d.trucks])).toEqual([
      [2, 'north', 0],
      [2, 'south', 4],
      [2, 'centre', 0],
    ]);
    expect(report.aid.byRegion.south?.trucks).toBe(13);
  });

  it('an open-ended phase owes aid for every day begun', async () => {
    const { days: _, ...open } = aided;
    const report = await asOf(agreedOn(open), '2024-01-31T05:00:00Z');
    expect(report.aid.due[1]).toMatchObject({ days: 31, trucksDue: 4650 });
  });

  it('stages described by categories with counts unknown are taken, limit nothing, and complete when the sides say so', () => {
    const stage: Terms['phases'][number] = {
      hostages: [
        { category: 'women' },
        { category: 'children' },
        { category: 'elderly' },
        { category: 'sick' },
      ],
    };
    given([
      ...agreedOn(stage),
      {
        type: 'release.completed',
        data: { phase: 1, hostages: [{ category: 'elderly', count: 40 }] },
      },
    ])
      .when({ type: 'phase.completed', data: { phase: 1 } })
      .thenState('negotiating')
      .thenReport((r) => {
        expect(r.hostages.byPhase[0]).toMatchObject({ hostagesNamed: null, hostagesReleased: 40 });
      });
  });

  it('ratios by hostage category: 30 per civilian, 50 per female soldier', () => {
    const stage: Terms['phases'][number] = {
      hostages: [{ category: 'civilian' }, { category: 'female-soldiers', count: 5 }],
      exchange: [
        { category: 'civilian', prisonersPerHostage: 30 },
        { category: 'female-soldiers', prisonersPerHostage: 50 },
      ],
    };
    given(agreedOn(stage))
      .when({
        type: 'release.completed',
        data: {
          phase: 1,
          hostages: [
            { category: 'civilian', count: 3 },
            { category: 'female-soldiers', count: 2 },
          ],
        },
      })
      .thenReport((r) => {
        expect(r.prisoners.due).toBe(3 * 30 + 2 * 50);
        expect(r.hostages.byPhase[0]?.prisonersDue).toBe(190);
      });
  });
});
