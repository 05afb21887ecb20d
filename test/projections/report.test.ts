import { describe, expect, it } from 'vitest';
import type { Terms } from '../../events/index.js';
import {
  evolveDealProjectionMany,
  initialDealProjection,
  toReport,
} from '../../projections/index.js';
import { decideEvents } from '../../replay/index.js';
import { type EventInput, given } from '../../testing/index.js';
import {
  accept,
  agreed,
  complete,
  inPhase1,
  log,
  release,
  resumed,
  send,
  start,
} from './fixtures.js';

const aid = (at: string): EventInput => ({
  type: 'aid.delivered',
  data: { region: 'north', trucks: 10 },
  at,
});

describe('pause.day', () => {
  const started = [...agreed, start(1, '2024-03-10T12:00:00Z')];

  it('is null before a phase starts', () => {
    given(agreed.slice(0, -1))
      .when(agreed[agreed.length - 1] as EventInput)
      .thenReport((r) =>
        expect(r.pause).toEqual({ days: 0, extensions: 0, day: null, openEnded: false }),
      );
  });

  it('is day 1 when the phase starts', () => {
    given(agreed)
      .when(start(1, '2024-03-10T12:00:00Z'))
      .thenReport((r) =>
        expect(r.pause).toEqual({ days: 4, extensions: 0, day: 1, openEnded: false }),
      );
  });

  it('is still day 2 a moment before two full days have passed', () => {
    given(started)
      .when(aid('2024-03-12T11:59:59Z'))
      .thenReport((r) => expect(r.pause.day).toBe(2));
  });

  it('is day 3 two days after the start', () => {
    given(started)
      .when(aid('2024-03-12T12:00:00Z'))
      .thenReport((r) => expect(r.pause.day).toBe(3));
  });

  it('is null once the phase completes', () => {
    given([...started, { ...release(1, 'women', 3, 9), at: '2024-03-11T06:00:00Z' }])
      .when({ ...complete(1), at: '2024-03-11T12:00:00Z' })
      .thenState('agreed')
      .thenReport((r) => expect(r.pause.day).toBeNull());
  });

  it('is null once fighting resumes', () => {
    given(started)
      .when({ ...resumed, at: '2024-03-11T12:00:00Z' })
      .thenState('collapsed')
      .thenReport((r) => expect(r.pause.day).toBeNull());
  });

  it('is null when the machine says a phase is in progress but no phase account exists', () => {
    const p = evolveDealProjectionMany(initialDealProjection, decideEvents(log(agreed)));
    expect(toReport(p, { state: 'inPhase' }).pause.day).toBeNull();
  });

  it('counts from the phase in force, not the first one', () => {
    given([...inPhase1, release(1, 'women', 3, 9), complete(1), start(2, '2024-04-01T00:00:00Z')])
      .when(aid('2024-04-02T00:00:00Z'))
      .thenReport((r) =>
        expect(r.pause).toEqual({ days: 10, extensions: 0, day: 2, openEnded: false }),
      );
  });
});

describe('stickingPoints', () => {
  const threeSided: EventInput = {
    type: 'negotiation.opened',
    data: {
      title: 'Three sides',
      parties: [
        { id: 'north', name: 'North', role: 'principal' },
        { id: 'south', name: 'South', role: 'principal' },
        { id: 'east', name: 'East', role: 'principal' },
        { id: 'med', name: 'Mediator', role: 'mediator' },
      ],
    },
  };
  const offer = (
    days: number,
    extra: { permanentCeasefire?: boolean; count?: number; aid?: number } = {},
  ): Terms => ({
    phases: [
      {
        days,
        hostages: [{ category: 'civilians', count: extra.count ?? 10 }],
        ...(extra.aid === undefined ? {} : { aidTrucksPerDay: extra.aid }),
      },
    ],
    permanentCeasefire: extra.permanentCeasefire ?? false,
  });
  const north = send('n1', offer(4, { aid: 200 }), { from: 'north' });

  it('are none while no principal has a position', () => {
    given([threeSided])
      .when(send('m1', offer(9), { from: 'med' }))
      .thenReport((r) => {
        expect(r.positions).toEqual({});
        expect(r.stickingPoints).toEqual([]);
      });
  });

  it('are none while only one principal has a position', () => {
    given([threeSided])
      .when(north)
      .thenReport((r) => expect(r.stickingPoints).toEqual([]));
  });

  it('are the terms whose values differ, naming only principals with a position', () => {
    // The same hostages, aid only North states: only the pause is in dispute; East is silent.
    given([threeSided, north])
      .when(send('s1', offer(6), { from: 'south' }))
      .thenReport((r) => {
        expect(r.stickingPoints).toEqual([
          { term: 'pauseDays', positions: { north: 4, south: 6 } },
        ]);
      });
  });

  it('list a term only one side states with null for the silent side when others differ', () => {
    given([threeSided, north, send('s1', offer(6, { aid: 300 }), { from: 'south' })])
      .when(send('e1', offer(4), { from: 'east' }))
      .thenReport((r) => {
        expect(r.stickingPoints).toEqual([
          { term: 'pauseDays', positions: { north: 4, south: 6, east: 4 } },
          { term: 'aidTrucksPerDay', positions: { north: 200, south: 300, east: null } },
        ]);
      });
  });

  it('follow the order of the headline terms', () => {
    given([threeSided, north])
      .when(send('s1', offer(4, { permanentCeasefire: true, count: 12 }), { from: 'south' }))
      .thenReport((r) => {
        expect(r.stickingPoints).toEqual([
          { term: 'permanentCeasefire', positions: { north: false, south: true } },
          { term: 'hostages', positions: { north: 10, south: 12 } },
        ]);
      });
  });

  it('are none once a principal accepts the other’s proposal', () => {
    given([threeSided, north, send('s1', offer(6), { from: 'south' })])
      .when(accept('south', 'n1'))
      .thenReport((r) => {
        expect(r.positions.south).toMatchObject({ proposalId: 'n1', stance: 'accepted' });
        expect(r.stickingPoints).toEqual([]);
      });
  });
});

describe('the report as a whole', () => {
  it('is empty before the first event', () => {
    expect(toReport(initialDealProjection, { state: 'unopened' })).toEqual({
      seq: 0,
      at: null,
      state: 'unopened',
      phase: 0,
      title: null,
      hostages: {
        releasedUnderDeal: 0,
        releasedAlive: 0,
        bodiesReturned: 0,
        releasedOutsideDeal: 0,
        releasedTotal: 0,
        held: null,
        remaining: null,
        byCategory: {},
        outsideDealByGroup: {},
        byPhase: [],
        stillHeld: null,
      },
      prisoners: { released: 0, due: 0, byCategory: {}, beyondDue: 0 },
      aid: { trucks: 0, fuelTrucks: 0, byRegion: {}, due: [] },
      pause: { days: 0, extensions: 0, day: null, openEnded: false },
      terms: null,
      proposals: [],
      positions: {},
      stickingPoints: [],
      violations: 0,
      remains: { returned: 0, due: 0 },
      obligations: [],
      asOf: null,
      ceasefire: { strained: false, flareUps: 0 },
      flareUps: [],
      violationsAgainst: {},
      stances: {},
      demands: [],
    });
  });

  it('adds up aid by region, fuel trucks counted as 0 when left out', () => {
    given([
      ...inPhase1,
      { type: 'aid.delivered', data: { region: 'north', trucks: 100, fuelTrucks: 5 } },
      { type: 'aid.delivered', data: { region: 'south', trucks: 40 } },
    ])
      .when({ type: 'aid.delivered', data: { region: 'north', trucks: 20, fuelTrucks: 1 } })
      .thenReport((r) => {
        expect(r.aid).toEqual({
          trucks: 160,
          fuelTrucks: 6,
          byRegion: { north: { trucks: 120, fuelTrucks: 6 }, south: { trucks: 40, fuelTrucks: 0 } },
          due: [],
        });
      });
  });

  it('leaves the held count unchanged when the opening states none', () => {
    const bare: EventInput = {
      type: 'negotiation.opened',
      data: {
        title: 'No count',
        parties: [
          { id: 'israel', name: 'Israel', role: 'principal' },
          { id: 'hamas', name: 'Hamas', role: 'principal' },
        ],
      },
    };
    given([])
      .when(bare)
      .thenReport((r) => {
        expect(r.hostages).toMatchObject({ held: null, remaining: null });
        expect(r).toMatchObject({
          seq: 1,
          title: 'No count',
          state: 'negotiating.awaitingProposal',
        });
      });
  });
});
