import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Terms, TruceEvent } from '../../events/index.js';
import type { DecidedEvent } from '../../machines/index.js';
import {
  type DealProjection,
  evolveDealProjection,
  evolveDealProjectionMany,
  initialDealProjection,
  PROJECTION_LISTS,
  ProjectionFolder,
  summarizeTerms,
} from '../../projections/index.js';
import { decideEvents } from '../../replay/index.js';
import { legalLog } from '../../testing/generator/legalLog.js';
import { type EventInput, given } from '../../testing/index.js';
import { checkProperty } from '../properties/settings.js';
import {
  accept,
  acceptPhase,
  agreed,
  complete,
  event,
  inPhase1,
  log,
  opened,
  outside,
  phase1Done,
  reject,
  release,
  resumed,
  send,
  start,
  twoPhases,
} from './fixtures.js';

/** One phase naming women, elderly and bodies, each with its own prisoner ratio. */
const mixed: Terms = {
  phases: [
    {
      days: 5,
      hostages: [
        { category: 'women', count: 10 },
        { category: 'elderly', count: 4 },
        { category: 'bodies', count: 4 },
      ],
      exchange: [
        { category: 'women', prisonersPerHostage: 3 },
        { category: 'bodies', prisonersPerHostage: 1 },
      ],
      extension: { hostagesPerDay: 1, prisonersPerHostage: 2 },
    },
  ],
  permanentCeasefire: false,
};
const inMixedPhase: EventInput[] = [
  opened,
  send('m', mixed),
  accept('israel', 'm'),
  accept('hamas', 'm'),
  start(1),
];
const releaseOf = (
  ...hostages: Array<{ category: string; count: number; deceased?: boolean }>
): EventInput => ({ type: 'release.completed', data: { phase: 1, hostages } });

describe('hostages released under the deal: alive or bodies', () => {
  it('counts a hostage marked neither deceased nor of category bodies as alive', () => {
    given(inMixedPhase)
      .when(releaseOf({ category: 'women', count: 3 }))
      .thenReport((r) => {
        expect(r.hostages).toMatchObject({ releasedAlive: 3, bodiesReturned: 0 });
        expect(r.hostages.byCategory).toEqual({ women: 3 });
      });
  });

  it('counts a hostage with deceased: true as a body, under its own category', () => {
    given(inMixedPhase)
      .when(releaseOf({ category: 'women', count: 2, deceased: true }))
      .thenReport((r) => {
        expect(r.hostages).toMatchObject({ releasedAlive: 0, bodiesReturned: 2 });
        expect(r.hostages.byCategory).toEqual({ women: 2 });
      });
  });

  it('counts a hostage of category bodies as a body without deceased: true', () => {
    given(inMixedPhase)
      .when(releaseOf({ category: 'bodies', count: 2 }))
      .thenReport((r) => {
        expect(r.hostages).toMatchObject({ releasedAlive: 0, bodiesReturned: 2 });
        expect(r.hostages.byCategory).toEqual({ bodies: 2 });
      });
  });

  it('counts a hostage with deceased: false as alive', () => {
    given(inMixedPhase)
      .when(releaseOf({ category: 'elderly', count: 2, deceased: false }))
      .thenReport((r) => {
        expect(r.hostages).toMatchObject({ releasedAlive: 2, bodiesReturned: 0 });
      });
  });

  it('splits one mixed release, and owes prisoners by each category’s ratio', () => {
    given(inMixedPhase)
      .when(
        releaseOf(
          { category: 'women', count: 3 },
          { category: 'women', count: 1, deceased: true },
          { category: 'elderly', count: 2, deceased: false },
          { category: 'bodies', count: 2 },
          { category: 'bodies', count: 1, deceased: true },
        ),
      )
      .thenReport((r) => {
        expect(r.hostages).toMatchObject({
          releasedUnderDeal: 9,
          releasedAlive: 5,
          bodiesReturned: 4,
          releasedOutsideDeal: 0,
          releasedTotal: 9,
          byCategory: { women: 4, elderly: 2, bodies: 3 },
        });
        // women 4 × 3 + elderly 2 × 2 (the extension rule's ratio) + bodies 3 × 1
        expect(r.prisoners.due).toBe(19);
        expect(r.hostages.byPhase[0]).toMatchObject({ hostagesReleased: 9, prisonersDue: 19 });
      });
  });
});

describe('hostages released outside the deal and recounted', () => {
  it('adds releases outside the deal to the total but not to those under the deal', () => {
    given([...inPhase1, release(1, 'women', 2, 6)])
      .when(outside(1, 3))
      .thenReport((r) => {
        expect(r.hostages).toMatchObject({
          releasedUnderDeal: 2,
          releasedOutsideDeal: 3,
          releasedTotal: 5,
          outsideDealByGroup: { thai: 3 },
          byCategory: { women: 2 },
        });
        expect(r.prisoners).toEqual({
          released: 6,
          due: 6,
          byCategory: { detainees: 6 },
          beyondDue: 0,
        });
      });
  });

  it('moves recounted hostages from outside the deal under it, keeping the total', () => {
    given([...inPhase1, outside(1, 3)])
      .when({
        type: 'release.recounted',
        data: { phase: 1, hostages: [{ category: 'women', count: 2 }] },
      })
      .thenReport((r) => {
        expect(r.hostages).toMatchObject({
          releasedUnderDeal: 2,
          releasedAlive: 2,
          releasedOutsideDeal: 1,
          releasedTotal: 3,
          byCategory: { women: 2 },
          outsideDealByGroup: { thai: 3 },
        });
        expect(r.prisoners.due).toBe(6);
        expect(r.hostages.byPhase[0]).toMatchObject({
          hostagesReleased: 2,
          prisonersReleased: 0,
          prisonersDue: 6,
        });
      });
  });
});

describe('proposal status and acceptances', () => {
  it('keeps a proposal live while only one principal has accepted it', () => {
    given([opened, send('p1')])
      .when(accept('israel'))
      .thenReport((r) => {
        expect(r.proposals[0]).toMatchObject({ status: 'live', acceptedBy: { israel: 'all' } });
      });
  });

  it('marks it accepted when every principal accepted it whole', () => {
    given([opened, send('p1'), accept('israel')])
      .when(accept('hamas'))
      .thenReport((r) => {
        expect(r.proposals[0]).toMatchObject({
          status: 'accepted',
          acceptedBy: { israel: 'all', hamas: 'all' },
          rejectedBy: null,
        });
      });
  });

  it('keeps it live when one principal accepted only phase 1 of 2', () => {
    given([opened, send('p1'), accept('israel')])
      .when(acceptPhase('hamas', 1))
      .thenState('agreed')
      .thenReport((r) => {
        expect(r.proposals[0]).toMatchObject({
          status: 'live',
          acceptedBy: { israel: 'all', hamas: [1] },
        });
      });
  });

  it('marks it accepted once the same principal accepts phase 2 as well', () => {
    given([opened, send('p1'), accept('israel'), acceptPhase('hamas', 1)])
      .when(acceptPhase('hamas', 2))
      .thenReport((r) => {
        expect(r.proposals[0]).toMatchObject({
          status: 'accepted',
          acceptedBy: { israel: 'all', hamas: [1, 2] },
        });
      });
  });

  it('marks it accepted when every phase is accepted one by one, in any order', () => {
    given([
      opened,
      send('p1'),
      acceptPhase('israel', 2),
      acceptPhase('israel', 1),
      acceptPhase('hamas', 1),
    ])
      .when(acceptPhase('hamas', 2))
      .thenReport((r) => {
        expect(r.proposals[0]).toMatchObject({
          status: 'accepted',
          acceptedBy: { israel: [2, 1], hamas: [1, 2] },
        });
      });
  });

  it('turns phase acceptances into all when the principal then accepts the whole proposal', () => {
    given([opened, send('p1'), acceptPhase('hamas', 1)])
      .when(accept('hamas'))
      .thenReport((r) => {
        expect(r.proposals[0]?.acceptedBy).toEqual({ hamas: 'all' });
        expect(r.proposals[0]?.status).toBe('live');
      });
  });

  it('records who rejected a proposal', () => {
    given([opened, send('p1')])
      .when(reject('hamas', 'p1'))
      .thenReport((r) => {
        expect(r.proposals[0]).toMatchObject({ status: 'rejected', rejectedBy: 'hamas' });
      });
  });
});

describe('proposal views', () => {
  it('shows a proposal sent without via or to with empty lists and no links', () => {
    given([opened])
      .when(send('p1'))
      .thenReport((r) => {
        expect(r.proposals).toEqual([
          {
            proposalId: 'p1',
            from: 'qatar',
            via: [],
            to: [],
            replaces: null,
            supersededBy: null,
            status: 'live',
            acceptedBy: {},
            rejectedBy: null,
            seq: 2,
            at: '2024-01-01T02:00:00.000Z',
            summary: {
              permanentCeasefire: true,
              pauseDays: 10,
              phases: 2,
              hostages: 5,
              prisoners: null,
              aidTrucksPerDay: 100,
            },
            terms: twoPhases,
          },
        ]);
      });
  });

  it('keeps via and to as sent', () => {
    given([opened])
      .when(send('p1', twoPhases, { via: ['qatar'], to: ['israel', 'hamas'] }))
      .thenReport((r) => {
        expect(r.proposals[0]).toMatchObject({ via: ['qatar'], to: ['israel', 'hamas'] });
      });
  });

  it('links a replacement and the proposal it supersedes both ways', () => {
    given([opened, send('p1'), accept('israel')])
      .when(send('p2', twoPhases, { replaces: 'p1' }))
      .thenReport((r) => {
        expect(
          r.proposals.map((p) => [p.proposalId, p.status, p.replaces, p.supersededBy]),
        ).toEqual([
          ['p1', 'superseded', null, 'p2'],
          ['p2', 'live', 'p1', null],
        ]);
      });
  });

  it('lapses live and accepted proposals when fighting resumes, and leaves the others be', () => {
    given([
      opened,
      send('p1'),
      send('p2', twoPhases, { replaces: 'p1' }),
      send('p3'),
      reject('hamas', 'p3'),
      send('p4'),
      accept('israel', 'p4'),
      accept('hamas', 'p4'),
      start(1),
    ])
      .when(resumed)
      .thenState('collapsed')
      .thenReport((r) => {
        expect(r.proposals.map((p) => [p.proposalId, p.status])).toEqual([
          ['p1', 'superseded'],
          ['p2', 'lapsed'],
          ['p3', 'rejected'],
          ['p4', 'lapsed'],
        ]);
      });
  });
});

describe('positions', () => {
  const own: Terms = {
    phases: [{ days: 7, hostages: [{ category: 'women', count: 8 }] }],
    permanentCeasefire: false,
  };

  it('takes a principal’s own proposal as its position, and not a mediator’s', () => {
    given([opened, send('p1')])
      .when(send('i1', own, { from: 'israel' }))
      .thenReport((r) => {
        expect(r.positions).toEqual({
          israel: {
            ...summarizeTerms(own),
            proposalId: 'i1',
            stance: 'proposed',
            phase: null,
            seq: 3,
            at: '2024-01-01T03:00:00.000Z',
          },
        });
      });
  });

  it('takes a whole acceptance as stance accepted, with no phase', () => {
    given([opened, send('i1', own, { from: 'israel' }), send('p1')])
      .when(accept('israel'))
      .thenReport((r) => {
        expect(r.positions.israel).toEqual({
          ...summarizeTerms(twoPhases),
          proposalId: 'p1',
          stance: 'accepted',
          phase: null,
          seq: 4,
          at: '2024-01-01T04:00:00.000Z',
        });
      });
  });

  it('takes a phase acceptance as stance accepted-phase, with its phase', () => {
    given([opened, send('p1')])
      .when(acceptPhase('hamas', 2))
      .thenReport((r) => {
        expect(r.positions.hamas).toMatchObject({
          proposalId: 'p1',
          stance: 'accepted-phase',
          phase: 2,
          seq: 3,
        });
      });
  });

  it('does not take a rejection as a position', () => {
    given([opened, send('i1', own, { from: 'israel' }), send('p1')])
      .when(reject('israel', 'p1'))
      .thenReport((r) => {
        expect(r.positions.israel).toMatchObject({ proposalId: 'i1', stance: 'proposed' });
      });
  });
});

describe('terms in force', () => {
  const { phases } = twoPhases;
  const [first, second] = phases as [Terms['phases'][number], Terms['phases'][number]];

  it('are null before any phase started', () => {
    given(agreed.slice(0, -1))
      .when(agreed[agreed.length - 1] as EventInput)
      .thenReport((r) => expect(r.terms).toBeNull());
  });

  it('list phase 1 once it starts', () => {
    given(agreed)
      .when(start(1))
      .thenReport((r) => {
        expect(r.terms).toEqual({
          permanentCeasefire: true,
          phases: [{ ...first, phase: 1, proposalId: 'p1' }],
        });
      });
  });

  it('list both phases, in order, once the second starts', () => {
    given(phase1Done)
      .when(start(2))
      .thenReport((r) => {
        expect(r.terms).toEqual({
          permanentCeasefire: true,
          phases: [
            { ...first, phase: 1, proposalId: 'p1' },
            { ...second, phase: 2, proposalId: 'p1' },
          ],
        });
        expect(r.phase).toBe(2);
      });
  });

  it('come from the proposal every principal accepted, not one only some did', () => {
    given([opened, send('a'), send('b', mixed), accept('israel', 'a'), accept('israel', 'b')])
      .when(accept('hamas', 'b'))
      .thenState('agreed');
    given([
      opened,
      send('a'),
      send('b', mixed),
      accept('israel', 'a'),
      accept('israel', 'b'),
      accept('hamas', 'b'),
    ])
      .when(start(1))
      .thenReport((r) => {
        expect(r.terms?.phases.map((t) => [t.phase, t.proposalId, t.days])).toEqual([[1, 'b', 5]]);
        expect(r.terms?.permanentCeasefire).toBe(false);
      });
  });

  it('take phase 2 from a proposal that has one, after phase 1 ran on a one-phase proposal', () => {
    const short: Terms = {
      phases: [{ days: 2, hostages: [{ category: 'women', count: 1 }] }],
      permanentCeasefire: false,
    };
    given([
      opened,
      send('s', short),
      accept('israel', 's'),
      accept('hamas', 's'),
      send('p1'),
      accept('israel'),
      accept('hamas'),
      start(1),
      release(1, 'women', 1),
      complete(1),
    ])
      .when(start(2))
      .thenReport((r) => {
        expect(r.terms?.phases.map((t) => [t.phase, t.proposalId, t.days])).toEqual([
          [1, 's', 2],
          [2, 'p1', 6],
        ]);
        expect(r.terms?.permanentCeasefire).toBe(true);
        expect(r.hostages.byPhase.map((a) => [a.phase, a.proposalId])).toEqual([
          [1, 's'],
          [2, 'p1'],
        ]);
      });
  });

  it('replace the old entry when a phase restarts under a new proposal after a collapse', () => {
    const renewed: Terms = { ...twoPhases, phases: [{ ...first, days: 5 }, second] };
    given([
      ...inPhase1,
      resumed,
      send('p2', renewed),
      accept('israel', 'p2'),
      accept('hamas', 'p2'),
    ])
      .when(start(1))
      .thenReport((r) => {
        expect(r.terms?.phases).toEqual([{ ...first, days: 5, phase: 1, proposalId: 'p2' }]);
        expect(r.hostages.byPhase.map((a) => [a.phase, a.proposalId, a.days])).toEqual([
          [1, 'p1', 4],
          [1, 'p2', 5],
        ]);
      });
  });
});

describe('per-phase accounts', () => {
  it('open an account when a phase starts, not yet completed', () => {
    given(agreed)
      .when(start(1, '2024-02-01T08:00:00Z'))
      .thenReport((r) => {
        expect(r.hostages.byPhase).toEqual([
          {
            phase: 1,
            proposalId: 'p1',
            startedAt: '2024-02-01T08:00:00Z',
            completed: false,
            days: 4,
            extensions: 0,
            hostagesNamed: 3,
            hostagesReleased: 0,
            prisonersReleased: 0,
            prisonersDue: 0,
          },
        ]);
      });
  });

  it('mark the account completed when the phase completes', () => {
    given([...inPhase1, release(1, 'women', 3, 9)])
      .when(complete(1))
      .thenReport((r) => {
        expect(r.hostages.byPhase[0]).toMatchObject({ completed: true, hostagesReleased: 3 });
      });
  });

  it('book each phase’s releases and prisoners due by its own ratios', () => {
    given([...phase1Done, start(2)])
      .when(release(2, 'soldiers', 2, 15))
      .thenReport((r) => {
        expect(
          r.hostages.byPhase.map((a) => [
            a.phase,
            a.completed,
            a.hostagesReleased,
            a.prisonersReleased,
            a.prisonersDue,
          ]),
        ).toEqual([
          [1, true, 3, 9, 9],
          [2, false, 2, 15, 20],
        ]);
        expect(r.prisoners).toEqual({
          released: 24,
          due: 29,
          byCategory: { detainees: 24 },
          beyondDue: 0,
        });
      });
  });

  it('add an extension’s days, and the hostages its rule brings when none are stated', () => {
    given(inPhase1)
      .when({ type: 'pause.extended', data: { phase: 1, days: 2 } })
      .thenReport((r) => {
        expect(r.hostages.byPhase[0]).toMatchObject({ days: 6, extensions: 1, hostagesNamed: 7 });
        expect(r.pause).toMatchObject({ days: 6, extensions: 1 });
      });
  });

  it('add the hostages an extension states', () => {
    given(inPhase1)
      .when({ type: 'pause.extended', data: { phase: 1, days: 1, hostages: 2, prisoners: 6 } })
      .thenReport((r) => {
        expect(r.hostages.byPhase[0]).toMatchObject({ days: 5, extensions: 1, hostagesNamed: 5 });
      });
  });

  it('add the hostages an extension states where the phase has no extension rule', () => {
    given([...phase1Done, start(2)])
      .when({ type: 'pause.extended', data: { phase: 2, days: 1, hostages: 3 } })
      .thenReport((r) => {
        expect(r.hostages.byPhase[1]).toMatchObject({ days: 7, extensions: 1, hostagesNamed: 5 });
      });
  });

  it('add no hostages for an extension with neither stated hostages nor a rule', () => {
    given([...phase1Done, start(2), { type: 'pause.extended', data: { phase: 2, days: 1 } }])
      .when({ type: 'pause.extended', data: { phase: 2, days: 2 } })
      .thenReport((r) => {
        expect(r.hostages.byPhase[1]).toMatchObject({ days: 9, extensions: 2, hostagesNamed: 2 });
        expect(r.pause).toMatchObject({ days: 13, extensions: 2 });
      });
  });

  it('keep hostagesNamed null when the terms leave a count open, extensions or not', () => {
    const open: Terms = {
      phases: [{ days: 3, hostages: [{ category: 'women' }] }],
      permanentCeasefire: false,
    };
    given([opened, send('o', open), accept('israel', 'o'), accept('hamas', 'o'), start(1)])
      .when({ type: 'pause.extended', data: { phase: 1, days: 1, hostages: 2 } })
      .thenReport((r) => {
        expect(r.hostages.byPhase[0]).toMatchObject({ days: 4, hostagesNamed: null });
      });
  });
});

describe('hostages held and remaining', () => {
  const withBodies: Terms = {
    phases: [
      {
        days: 4,
        hostages: [
          { category: 'women', count: 4 },
          { category: 'bodies', count: 2 },
        ],
      },
    ],
    permanentCeasefire: false,
  };
  const released: EventInput[] = [
    opened,
    send('b', withBodies),
    accept('israel', 'b'),
    accept('hamas', 'b'),
    start(1),
    release(1, 'women', 2),
    release(1, 'bodies', 1),
    outside(1, 3),
  ];
  const counted: EventInput = {
    type: 'hostages.counted',
    data: { held: { women: 20, soldiers: 6 } },
  };

  it('counts remaining from the opening’s held, less every release since', () => {
    given(released.slice(0, -1))
      .when(released[released.length - 1] as EventInput)
      .thenReport((r) => {
        expect(r.hostages).toMatchObject({ held: 34, remaining: 28, releasedTotal: 6 });
      });
  });

  it('takes a new count as held, with nothing released since', () => {
    given(released)
      .when(counted)
      .thenReport((r) => {
        expect(r.hostages).toMatchObject({ held: 26, remaining: 26, releasedTotal: 6 });
      });
  });

  it('subtracts only the releases after the count', () => {
    given([...released, counted])
      .when(release(1, 'women', 1))
      .thenReport((r) => {
        expect(r.hostages).toMatchObject({ held: 26, remaining: 25, releasedTotal: 7 });
      });
  });
});

/** One opening event with the machine's (empty) resolution of it. */
function decided(e: TruceEvent): DecidedEvent {
  return { event: e, resolution: null };
}

describe('the projection as a fold', () => {
  it('records the parties and principals declared at the opening', () => {
    const p = evolveDealProjection(initialDealProjection, decided(event(1, opened)));
    expect(p.parties).toEqual({
      israel: { name: 'Israel', role: 'principal' },
      hamas: { name: 'Hamas', role: 'principal' },
      qatar: { name: 'Qatar', role: 'mediator' },
      thailand: { name: 'Thailand', role: 'third-party' },
    });
    expect(p.principals).toEqual(['israel', 'hamas']);
    expect(p.title).toBe('Projection deal');
  });

  it('returns the same state for an empty batch', () => {
    const p = evolveDealProjection(initialDealProjection, decided(event(1, opened)));
    expect(evolveDealProjectionMany(p, [])).toBe(p);
  });

  it('folds a batch to the same state as event by event', () => {
    const events = decideEvents(
      log([
        ...phase1Done,
        start(2),
        release(2, 'soldiers', 2, 20),
        { type: 'aid.delivered', data: { region: 'north', trucks: 100, fuelTrucks: 4 } },
        { type: 'violation.reported', data: { by: 'israel', description: 'shots' } },
        complete(2),
      ]),
    );
    const stepped = events.reduce(evolveDealProjection, initialDealProjection);
    expect(evolveDealProjectionMany(initialDealProjection, events)).toEqual(stepped);
    expect(stepped).toMatchObject({ seq: 12, phase: 2, violations: 1 });
  });

  it('does not change the state it is given', () => {
    const [first, ...rest] = decideEvents(log(agreed));
    if (!first) throw new Error('no events');
    const before = evolveDealProjection(initialDealProjection, first);
    const copy = structuredClone(before);
    evolveDealProjectionMany(before, rest);
    expect(before).toEqual(copy);
  });

  it('never changes a projection it handed out, however many events it folds after', () => {
    const events = decideEvents(
      log([
        ...phase1Done,
        start(2),
        release(2, 'soldiers', 2, 20),
        { type: 'aid.delivered', data: { region: 'north', trucks: 100, fuelTrucks: 4 } },
        { type: 'violation.reported', data: { by: 'israel', against: 'hamas', description: 's' } },
        { type: 'hostages.counted', data: { held: { soldiers: 3 } } },
        complete(2),
      ]),
    );
    const folder = new ProjectionFolder(initialDealProjection);
    const handed: Array<{ p: DealProjection; copy: DealProjection }> = [];
    for (const e of events) {
      folder.fold(e);
      const p = folder.projection();
      handed.push({ p, copy: structuredClone(p) });
    }
    for (const { p, copy } of handed) expect(p).toEqual(copy);
    expect(folder.projection()).toEqual(evolveDealProjectionMany(initialDealProjection, events));
  });
});

// A fold from the initial projection writes in place until it first hands the projection out:
// it must start on its own copy, and every hand-out must end that, or what it handed out (or
// the module's initial projection) would change under its holder.
describe('the fold that owns its projection until it hands it out', () => {
  /** The initial projection as written in projections/deal.ts, by hand: not read from it. */
  const initialText = JSON.stringify({
    seq: 0,
    at: null,
    title: null,
    parties: {},
    principals: [],
    phase: 0,
    hostages: {
      releasedAlive: 0,
      bodiesReturned: 0,
      releasedOutsideDeal: 0,
      byCategory: {},
      outsideDealByGroup: {},
      held: null,
      releasedAtCount: 0,
      deceasedAtCount: 0,
      byCategoryAtCount: {},
    },
    prisoners: { released: 0, due: 0, byCategory: {} },
    remains: { returned: 0, due: 0 },
    obligations: [],
    flareUps: [],
    strained: false,
    violationsAgainst: {},
    stances: {},
    demands: [],
    aid: { trucks: 0, fuelTrucks: 0, byRegion: {} },
    aidOwed: [],
    byPhase: [],
    terms: [],
    proposals: [],
    positions: {},
    violations: 0,
  });

  it('never changes the initial projection it starts from', () => {
    const folder = new ProjectionFolder(initialDealProjection);
    for (const e of decideEvents(log([...phase1Done, start(2), release(2, 'soldiers', 2, 20)])))
      folder.fold(e);
    expect(folder.projection().seq).toBe(9);
    expect(JSON.stringify(initialDealProjection)).toBe(initialText);
  });

  it('never changes what it handed out, by any hand-out at any point, and folds to the same projection as a fold that copies from the start (property)', () => {
    checkProperty(
      'projection-owned-until-handed-out',
      fc.property(
        legalLog({ maxEvents: 60 }),
        // Per event: 0 fold on, 1 a hand-out, 2 a checkpoint kept, 3 one not kept.
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 60, maxLength: 60 }),
        (events, steps) => {
          const decided = decideEvents(events);
          const owning = new ProjectionFolder(initialDealProjection);
          // Not the initial projection itself: this fold copies on write from its first event.
          const copying = new ProjectionFolder(JSON.parse(initialText));
          const handed: Array<{ p: DealProjection; text: string }> = [];
          for (const [i, e] of decided.entries()) {
            owning.fold(e);
            copying.fold(e);
            const step = steps[i] ?? 0;
            if (step === 1) {
              const p = owning.projection();
              handed.push({ p, text: JSON.stringify(p) });
            } else if (step === 2) {
              const { projection } = owning.checkpoint(true);
              handed.push({ p: projection, text: JSON.stringify(projection) });
            } else if (step === 3) owning.checkpoint(false);
          }
          for (const { p, text } of handed) expect(JSON.stringify(p)).toBe(text);
          expect(JSON.stringify(owning.projection())).toBe(JSON.stringify(copying.projection()));
          expect(JSON.stringify(initialDealProjection)).toBe(initialText);
        },
      ),
      (events, _steps) => events,
    );
  });
});

// The fold takes the machine's decisions: an event the machine did not resolve cannot be folded.
describe('the fold without the machine', () => {
  it('refuses an event that needs a resolution the machine did not give', () => {
    const [opening, proposal] = log([opened, send('p1')]);
    if (!opening || !proposal) throw new Error('no events');
    const p = evolveDealProjection(initialDealProjection, { event: opening, resolution: null });
    expect(() => evolveDealProjection(p, { event: proposal, resolution: null })).toThrow(
      'seq 2 (proposal.sent) has no proposal.sent resolution from the machine',
    );
  });
});

// The checkpoint cache's hand-out: a checkpoint not kept leaves the long lists the fold's own,
// so the cache learns what changed in them from the folder instead of comparing them.
describe('the checkpoint hand-out', () => {
  /** What a user would see of a projection: its JSON, read back. */
  const json = (p: DealProjection): DealProjection => JSON.parse(JSON.stringify(p));

  it("gives each long list's changes since the last checkpoint, whether kept or not, and a kept one never changes (property)", () => {
    checkProperty(
      'projection-checkpoint-lists',
      fc.property(
        legalLog({ maxEvents: 60 }),
        // Per event: 0 fold on, 1 checkpoint kept, 2 not kept, 3 a hand-out to someone else.
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 60, maxLength: 60 }),
        (events, steps) => {
          const decided = decideEvents(events);
          const folder = new ProjectionFolder(initialDealProjection);
          // The lists as of the last checkpoint, as their JSON said then.
          let lists = json(initialDealProjection);
          const kept: Array<{ p: DealProjection; text: string }> = [];
          for (const [i, e] of decided.entries()) {
            folder.fold(e);
            const step = steps[i] ?? 0;
            if (step === 3) folder.projection();
            if (step !== 1 && step !== 2) continue;
            const { projection, lists: edits } = folder.checkpoint(step === 1);
            const now = json(projection);
            for (const edit of edits) {
              const list = lists[edit.list] as unknown[];
              expect(edit.index).toBeLessThanOrEqual(list.length);
              if ('was' in edit) expect(edit.was).toEqual(list[edit.index]);
              list[edit.index] = JSON.parse(JSON.stringify(edit.item));
            }
            for (const key of PROJECTION_LISTS) expect(lists[key]).toEqual(now[key]);
            lists = now;
            if (step === 1) kept.push({ p: projection, text: JSON.stringify(projection) });
          }
          for (const { p, text } of kept) expect(JSON.stringify(p)).toBe(text);
          expect(json(folder.projection())).toEqual(
            json(evolveDealProjectionMany(initialDealProjection, decided)),
          );
        },
      ),
      (events, _steps) => events,
    );
  });

  it('given a checkpoint not kept, then the next fold appends to the same list, and a replaced entry comes with what it was', () => {
    const events = decideEvents(
      log([
        opened,
        send('p1'),
        { type: 'demand.stated', data: { by: 'hamas', description: 'more aid' } },
        accept('hamas'),
        { type: 'demand.stated', data: { by: 'israel', description: 'a list' } },
      ]),
    );
    const folder = new ProjectionFolder(initialDealProjection);
    for (const e of events.slice(0, 3)) folder.fold(e);
    const first = folder.checkpoint(false);
    const proposals = first.projection.proposals;
    const demands = first.projection.demands;
    expect(demands).toHaveLength(1);
    for (const e of events.slice(3)) folder.fold(e);
    const second = folder.checkpoint(false);
    // Not copied: the lists handed out at the first checkpoint are the ones folded into since.
    expect(second.projection.demands).toBe(demands);
    expect(second.projection.proposals).toBe(proposals);
    expect(demands).toHaveLength(2);
    const accepted = second.lists.find((l) => l.list === 'proposals');
    expect(accepted).toMatchObject({
      index: 0,
      item: { proposalId: 'p1', acceptedBy: { hamas: 'all' } },
    });
    expect((accepted as { was: { acceptedBy: object } }).was.acceptedBy).toEqual({});
    expect(second.lists.find((l) => l.list === 'demands')).toMatchObject({
      index: 1,
      item: { by: 'israel' },
    });
    expect('was' in (second.lists.find((l) => l.list === 'demands') ?? {})).toBe(false);
  });
});
