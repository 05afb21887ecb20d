import { describe, expect, it } from 'vitest';
import { type EventInput, given } from '../../testing/index.js';
import {
  accept,
  acceptPhase,
  agreed,
  complete,
  extend,
  inPhase1,
  opened,
  outside,
  release,
  resumed,
  sent,
  start,
} from './fixtures.js';

const recount = (count: number, phase = 1): EventInput => ({
  type: 'release.recounted',
  data: { phase, hostages: [{ category: 'women-and-children', count }] },
});

/** A one-phase proposal whose terms name `hostages` and may carry an extension rule. */
const oneByOne = (
  proposalId: string,
  hostages: Array<{ category: string; count?: number }>,
  extension?: { hostagesPerDay: number; prisonersPerHostage?: number },
): EventInput => ({
  type: 'proposal.sent',
  data: {
    proposalId,
    from: 'qatar',
    terms: {
      phases: [{ days: 5, hostages, ...(extension ? { extension } : {}) }],
      permanentCeasefire: false,
    },
  },
});

const startedOne = (hostages: Array<{ category: string; count?: number }>): EventInput[] => [
  opened,
  oneByOne('q', hostages),
  accept('israel', 'q'),
  accept('hamas', 'q'),
  start(1),
];

const releaseOf = (category: string, count: number): EventInput => ({
  type: 'release.completed',
  data: { phase: 1, hostages: [{ category, count }] },
});

describe('replacing a proposal', () => {
  it('cannot replace one never sent', () => {
    given([opened])
      .when(sent('p2', { replaces: 'p0' }))
      .thenRejected('proposal.replacesUnknown');
  });
  it('cannot replace a rejected one', () => {
    given([opened, sent(), { type: 'proposal.rejected', data: { proposalId: 'p1', by: 'hamas' } }])
      .when(sent('p2', { replaces: 'p1' }))
      .thenRejected('proposal.replacesClosed');
  });
  it('cannot replace the proposal in force mid-phase', () => {
    given(inPhase1)
      .when(sent('p2', { replaces: 'p1' }))
      .thenRejected('proposal.replacesInForce');
  });
  it('can replace a proposal that lapsed when fighting resumed', () => {
    given([...inPhase1, resumed])
      .when(sent('p2', { replaces: 'p1' }))
      .thenState('negotiating.proposalOnTable');
  });
  it('a rejected proposal does not lapse: it stays rejected after a collapse', () => {
    given([
      opened,
      sent('p0'),
      { type: 'proposal.rejected', data: { proposalId: 'p0', by: 'israel' } },
      sent(),
      accept('israel'),
      accept('hamas'),
      resumed,
    ])
      .when(sent('p2', { replaces: 'p0' }))
      .thenRejected('proposal.replacesClosed');
  });
  it('a lapsed proposal cannot be answered even after new talks', () => {
    given([...inPhase1, resumed, sent('p2')])
      .when(accept('israel', 'p1'))
      .thenRejected('proposal.notLive');
  });
});

describe('answers to proposals', () => {
  it('accepting the whole proposal twice names the proposal', () => {
    given([opened, sent(), accept('israel')])
      .when(accept('israel'))
      .thenRejected('acceptance.duplicate');
  });
  it('a rejected proposal cannot be accepted', () => {
    given([opened, sent(), { type: 'proposal.rejected', data: { proposalId: 'p1', by: 'hamas' } }])
      .when(accept('israel'))
      .thenRejected('proposal.notLive');
  });
  it('phases accepted one by one all count', () => {
    given([
      opened,
      sent(),
      acceptPhase('israel', 1),
      acceptPhase('israel', 2),
      accept('hamas'),
      start(1),
      release(50),
    ])
      .when(complete(1))
      .thenState('agreed');
  });
  it('an undeclared party cannot resume fighting or talks', () => {
    given(inPhase1)
      .when({ type: 'hostilities.resumed', data: { by: 'iran' } })
      .thenRejected('party.notDeclared');
    given([opened, { type: 'talks.suspended', data: { by: 'qatar' } }])
      .when({ type: 'talks.resumed', data: { by: 'iran' } })
      .thenRejected('party.notDeclared');
  });
  it('answers are refused while talks are suspended', () => {
    given([opened, sent(), { type: 'talks.suspended', data: { by: 'qatar' } }])
      .when(accept('israel'))
      .thenRejected('talks.suspended');
  });
});

describe('after the last phase of the agreed proposal', () => {
  it('a fully accepted one-phase proposal does not agree a phase 2', () => {
    given([...startedOne([{ category: 'women', count: 2 }]), releaseOf('women', 2)])
      .when(complete(1))
      .thenState('negotiating.awaitingProposal');
  });
  it('phase 2 then needs new terms, and says so', () => {
    given([...startedOne([{ category: 'women', count: 2 }]), releaseOf('women', 2), complete(1)])
      .when(start(2))
      .thenRejected('phase.notAgreed');
  });
  it('names who has not accepted which live proposal', () => {
    given([opened, sent(), sent('p2'), accept('israel')])
      .when(start(1))
      .thenRejected('phase.notAgreed');
  });
  it('a phase cannot start after a collapse', () => {
    given([...inPhase1, resumed])
      .when(start(1))
      .thenRejected('deal.collapsed');
  });
  it('a release after the phase ended names the phase', () => {
    given([...startedOne([{ category: 'women', count: 2 }]), releaseOf('women', 2), complete(1)])
      .when(releaseOf('women', 1))
      .thenRejected('phase.notInProgress');
  });
});

describe('phases in progress', () => {
  it('recounts, extensions and completions must name the phase in progress', () => {
    given([...inPhase1, outside(1)])
      .when(recount(1, 2))
      .thenRejected('phase.otherInProgress');
    given(inPhase1)
      .when(extend(1, 10, 2))
      .thenRejected('phase.otherInProgress');
    given(inPhase1).when(complete(2)).thenRejected('phase.otherInProgress');
  });
  it('aid may name a phase that has started, not a later one', () => {
    given(inPhase1)
      .when({ type: 'aid.delivered', data: { phase: 1, region: 'south', trucks: 10 } })
      .thenState('inPhase');
    given(inPhase1)
      .when({ type: 'aid.delivered', data: { phase: 2, region: 'south', trucks: 10 } })
      .thenRejected('aid.phaseNotStarted');
  });
});

describe('a release with hostages both under the deal and outside it', () => {
  // Phase 1 of the fixtures' terms names 50 women and children.
  const both = (count: number, outsideBy: string[]): EventInput => ({
    type: 'release.completed',
    data: {
      phase: 1,
      hostages: [{ category: 'women-and-children', count }],
      outsideDeal: outsideBy.map((by) => ({ group: 'thai', count: 1, by })),
    },
  });
  it('still holds the hostages under the deal to the terms', () => {
    given(inPhase1)
      .when(both(50, ['thailand']))
      .thenState('inPhase');
    given(inPhase1)
      .when(both(51, ['thailand']))
      .thenRejected('release.exceedsTerms');
  });
  it('checks every party that released hostages outside it, not only the first', () => {
    given(inPhase1)
      .when(both(1, ['thailand', 'egypt']))
      .thenRejected('party.notDeclared', 'party egypt');
  });
});

describe('recounts', () => {
  it('nothing released outside the deal, nothing to recount', () => {
    given([...inPhase1, release(10)])
      .when(recount(1))
      .thenRejected('recount.exceedsOutside');
  });
  it('a recounted hostage cannot be recounted again', () => {
    given([...inPhase1, outside(2), recount(2)])
      .when(recount(1))
      .thenRejected('recount.exceedsOutside');
  });
  it('a recount stays within the terms, and says it is a recount', () => {
    given([...inPhase1, release(49), outside(3)])
      .when(recount(2))
      .thenRejected('release.exceedsTerms');
  });
});

describe('terms with open counts', () => {
  it('a category named without a count is not limited', () => {
    given(startedOne([{ category: 'women' }, { category: 'children', count: 5 }]))
      .when(releaseOf('women', 1000))
      .thenState('inPhase');
  });
  it('a counted category keeps its limit beside an open one', () => {
    given(startedOne([{ category: 'women' }, { category: 'children', count: 5 }]))
      .when(releaseOf('children', 6))
      .thenRejected('release.exceedsTerms');
  });
  it('completion needs only the counted categories', () => {
    given([
      ...startedOne([{ category: 'women' }, { category: 'children', count: 5 }]),
      releaseOf('children', 5),
    ])
      .when(complete(1))
      .thenState('negotiating');
  });
  it('a category named twice, once without a count, is open', () => {
    given(startedOne([{ category: 'women', count: 1 }, { category: 'women' }]))
      .when(releaseOf('women', 7))
      .thenState('inPhase');
  });
  it('a category named twice with counts adds them up', () => {
    given(
      startedOne([
        { category: 'women', count: 1 },
        { category: 'women', count: 2 },
      ]),
    )
      .when(releaseOf('women', 4))
      .thenRejected('release.exceedsTerms');
  });
  // A release names one category in nearly every line, and is checked without a map then; one
  // naming several, or one category twice, is checked per category with its counts added up.
  const releaseMany = (...counts: Array<[category: string, count: number]>): EventInput => ({
    type: 'release.completed',
    data: { phase: 1, hostages: counts.map(([category, count]) => ({ category, count })) },
  });
  const each = (count: number) => [
    { category: 'women', count },
    { category: 'children', count },
  ];
  /** Two women and two children, one more hostage for each day of extension, one day extended. */
  const extendedTwoByTwo: EventInput[] = [
    opened,
    oneByOne('q', each(2), { hostagesPerDay: 1 }),
    accept('israel', 'q'),
    accept('hamas', 'q'),
    start(1),
    extend(1),
  ];
  it('a release naming a category twice adds up its counts against the terms', () => {
    given(startedOne(each(5)))
      .when(releaseMany(['women', 3], ['women', 3]))
      .thenRejected('release.exceedsTerms');
    given(startedOne(each(5)))
      .when(releaseMany(['women', 2], ['women', 3]))
      .thenState('inPhase');
  });
  it('a release naming two categories checks each against its own count, and the total', () => {
    given(startedOne(each(2)))
      .when(releaseMany(['women', 2], ['children', 3]))
      .thenRejected('release.exceedsTerms');
    given(startedOne(each(2)))
      .when(releaseMany(['children', 3], ['women', 1]))
      .thenRejected('release.exceedsTerms');
    given([...startedOne(each(2)), releaseOf('women', 1)])
      .when(releaseMany(['women', 1], ['children', 2]))
      .thenState('inPhase');
  });
  it('a release naming two categories, each within its count and the extension, is held to the total', () => {
    // Each category may reach 3 with the extension's one hostage; together only 5.
    given(extendedTwoByTwo)
      .when(releaseMany(['women', 3], ['children', 3]))
      .thenRejected('release.exceedsTotal');
    given(extendedTwoByTwo)
      .when(releaseMany(['women', 3], ['children', 2]))
      .thenState('inPhase');
  });
  it('the total across categories is limited too', () => {
    given([...extendedTwoByTwo, releaseOf('women', 3)])
      .when(releaseOf('children', 3))
      .thenRejected('release.exceedsTotal');
  });
});

describe('extensions', () => {
  it('without a rule, the stated hostages extend the limit', () => {
    given([
      ...startedOne([{ category: 'women', count: 2 }]),
      { type: 'pause.extended', data: { phase: 1, days: 1, hostages: 3 } },
    ])
      .when(releaseOf('women', 5))
      .thenState('inPhase');
  });
  it('without a rule and without stated hostages, the limit stays', () => {
    given([
      ...startedOne([{ category: 'women', count: 2 }]),
      { type: 'pause.extended', data: { phase: 1, days: 1 } },
    ])
      .when(releaseOf('women', 3))
      .thenRejected('release.exceedsTerms');
  });
  it('under a rule, the prisoners must follow its ratio', () => {
    given(inPhase1)
      .when({ type: 'pause.extended', data: { phase: 1, days: 1, hostages: 10, prisoners: 20 } })
      .thenRejected('extension.prisonersMismatch');
    given(inPhase1)
      .when({ type: 'pause.extended', data: { phase: 1, days: 1, hostages: 10, prisoners: 30 } })
      .thenState('inPhase');
  });
  it('up to the maximum days is fine', () => {
    given([...inPhase1, extend(2)])
      .when(extend(1))
      .thenState('inPhase');
  });
});

describe('agreement and collapse', () => {
  it('an agreed deal still takes new proposals', () => {
    given(agreed).when(sent('p2')).thenState('agreed');
  });
  it('fighting resumed while talks are suspended after a completed phase collapses the deal', () => {
    given([
      opened,
      sent(),
      acceptPhase('israel', 1),
      acceptPhase('hamas', 1),
      start(1),
      release(50),
      complete(1),
      { type: 'talks.suspended', data: { by: 'qatar' } },
    ])
      .when(resumed)
      .thenState('collapsed');
  });
  it('a collapsed deal does not return to agreed on old acceptances', () => {
    given([...inPhase1, resumed, sent('p2')])
      .when(acceptPhase('israel', 1, 'p2'))
      .thenState('negotiating.proposalOnTable');
  });
});

describe('a new deal after a collapse', () => {
  const novemberLike: EventInput[] = [
    ...startedOne([{ category: 'women', count: 2 }]),
    releaseOf('women', 2),
    complete(1),
    resumed,
    oneByOne('r', [{ category: 'women', count: 3 }]),
    accept('israel', 'r'),
  ];
  it('starts again at phase 1', () => {
    given(novemberLike).when(accept('hamas', 'r')).thenState('agreed');
    given([...novemberLike, accept('hamas', 'r')])
      .when(start(1))
      .thenReport((r) => {
        expect(r.state).toBe('inPhase');
        expect(r.terms?.phases.map((t) => t.proposalId)).toEqual(['r']);
        expect(r.hostages.byPhase.map((a) => [a.phase, a.proposalId])).toEqual([
          [1, 'q'],
          [1, 'r'],
        ]);
      });
  });
  it('says which phase is next when another is started', () => {
    given(novemberLike).when(start(2)).thenRejected('phase.notNext');
  });
});
