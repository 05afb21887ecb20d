import { describe, expect, it } from 'vitest';
import type { Terms } from '../../events/index.js';
import { toReport } from '../../projections/index.js';
import { replayLog } from '../../replay/index.js';
import { type EventInput, given } from '../../testing/index.js';
import { accept, acceptPhase, opened, phase1Done, release, sent, start } from './fixtures.js';

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
