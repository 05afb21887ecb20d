import { describe, expect, it } from 'vitest';
import { given } from '../../testing/index.js';
import {
  accept,
  acceptPhase,
  agreed,
  complete,
  extend,
  inPhase1,
  opened,
  outside,
  phase1Done,
  release,
  resumed,
  sent,
  start,
} from './fixtures.js';

describe('negotiation.opened', () => {
  it('opens the talks as the first event', () => {
    given([]).when(opened).thenState('negotiating.awaitingProposal');
  });
  it('is rejected a second time', () => {
    given([opened]).when(opened).thenRejected('log.alreadyOpened');
  });
  it('must come first', () => {
    given([]).when(sent()).thenRejected('log.notOpened');
  });
});

describe('proposal.sent', () => {
  it('puts a proposal on the table', () => {
    given([opened]).when(sent()).thenState('negotiating.proposalOnTable');
  });
  it('is rejected from an undeclared party', () => {
    given([opened])
      .when(sent('p1', { from: 'egypt' }))
      .thenRejected('party.notDeclared');
  });
  it('is rejected with a proposal id already used', () => {
    given([opened, sent()]).when(sent()).thenRejected('proposal.duplicate');
  });
  it('replacing a proposal supersedes it and clears its acceptances', () => {
    given([opened, sent(), accept('israel')])
      .when(sent('p2', { replaces: 'p1' }))
      .thenState('negotiating.proposalOnTable')
      .thenReport((r) => {
        expect(r.proposals.map((p) => [p.proposalId, p.status])).toEqual([
          ['p1', 'superseded'],
          ['p2', 'live'],
        ]);
      });
    given([opened, sent(), accept('israel'), sent('p2', { replaces: 'p1' })])
      .when(accept('hamas', 'p1'))
      .thenRejected('proposal.notLive');
  });
  it('is rejected while talks are suspended', () => {
    given([opened, { type: 'talks.suspended', data: { by: 'israel' } }])
      .when(sent())
      .thenRejected('talks.suspended');
  });
  it('after a collapse reopens the talks', () => {
    given([...inPhase1, resumed])
      .when(sent('p2'))
      .thenState('negotiating.proposalOnTable');
  });
});

describe('proposal.accepted and phase.accepted', () => {
  it('the whole proposal by every principal agrees the next phase', () => {
    given([opened, sent(), accept('israel')])
      .when(accept('hamas'))
      .thenState('agreed');
  });
  it('one phase by each principal also agrees it', () => {
    given([opened, sent(), acceptPhase('israel', 1)])
      .when(acceptPhase('hamas', 1))
      .thenState('agreed');
  });
  it('a mediator cannot accept for a principal', () => {
    given([opened, sent()]).when(accept('qatar')).thenRejected('party.notPrincipal');
  });
  it('a proposal never sent cannot be accepted', () => {
    given([opened, sent()]).when(accept('israel', 'nope')).thenRejected('proposal.unknown');
  });
  it('a phase the proposal lacks cannot be accepted', () => {
    given([opened, sent()]).when(acceptPhase('israel', 3)).thenRejected('acceptance.noSuchPhase');
  });
  it('accepting twice is rejected', () => {
    given([opened, sent(), accept('israel')])
      .when(accept('israel'))
      .thenRejected('acceptance.duplicate');
    given([opened, sent(), acceptPhase('israel', 1)])
      .when(acceptPhase('israel', 1))
      .thenRejected('acceptance.phaseDuplicate');
  });
  it('accepting different phases does not agree anything', () => {
    given([opened, sent(), acceptPhase('israel', 1)])
      .when(acceptPhase('hamas', 2))
      .thenState('negotiating.proposalOnTable');
  });
});

describe('proposal.rejected', () => {
  it('a rejection takes the only proposal off the table', () => {
    given([opened, sent()])
      .when({ type: 'proposal.rejected', data: { proposalId: 'p1', by: 'israel', reason: 'no' } })
      .thenState('negotiating.awaitingProposal');
  });
  it('only principals reject', () => {
    given([opened, sent()])
      .when({ type: 'proposal.rejected', data: { proposalId: 'p1', by: 'thailand' } })
      .thenRejected('party.notPrincipal');
  });
  it('an agreed deal falls back to negotiating when its proposal is rejected', () => {
    given(agreed)
      .when({ type: 'proposal.rejected', data: { proposalId: 'p1', by: 'hamas' } })
      .thenState('negotiating.awaitingProposal');
  });
  it('the proposal in force cannot be rejected mid-phase', () => {
    given(inPhase1)
      .when({ type: 'proposal.rejected', data: { proposalId: 'p1', by: 'hamas' } })
      .thenRejected('proposal.inForce');
  });
});

describe('phase.started', () => {
  it('starts the agreed phase', () => {
    given(agreed).when(start(1)).thenState('inPhase');
  });
  it('is rejected before every principal accepted', () => {
    given([opened, sent(), accept('israel')])
      .when(start(1))
      .thenRejected('phase.notAgreed');
  });
  it('is rejected for a phase that is not next', () => {
    given(agreed).when(start(2)).thenRejected('phase.notNext');
  });
  it('is rejected while a phase is in progress', () => {
    given(inPhase1).when(start(2)).thenRejected('phase.stillInProgress');
  });
});

describe('release.completed', () => {
  it('counts hostages under the deal and prisoners released', () => {
    given(inPhase1)
      .when(release(13))
      .thenState('inPhase')
      .thenReport((r) => {
        expect(r.hostages.releasedUnderDeal).toBe(13);
        expect(r.prisoners.released).toBe(39);
        expect(r.prisoners.due).toBe(39);
      });
  });
  it('is rejected before any agreement', () => {
    given([opened, sent()]).when(release(13)).thenRejected('phase.notInProgress');
  });
  it('is rejected beyond what the phase still owes', () => {
    given([...inPhase1, release(40)])
      .when(release(14))
      .thenRejected('release.exceedsTerms');
  });
  it('is rejected for a category the terms do not name', () => {
    given(inPhase1)
      .when(release(1, 1, 'soldiers'))
      .thenRejected('release.categoryNotNamed');
  });
  it('is rejected for another phase', () => {
    given(inPhase1).when(release(1, 2)).thenRejected('phase.otherInProgress');
  });
  it('never limits releases outside the deal', () => {
    given(inPhase1)
      .when(outside(500))
      .thenReport((r) => expect(r.hostages.releasedOutsideDeal).toBe(500));
  });
  it('counts extension hostages toward the limit', () => {
    given([...inPhase1, release(50), extend(1, 10)])
      .when(release(10))
      .thenState('inPhase');
    given([...inPhase1, release(50), extend(1, 10)])
      .when(release(11))
      .thenRejected('release.exceedsTerms');
  });
});

describe('release.recounted', () => {
  it('moves hostages released outside the deal under it', () => {
    given([...inPhase1, outside(2)])
      .when({
        type: 'release.recounted',
        data: { phase: 1, hostages: [{ category: 'women-and-children', count: 2 }] },
      })
      .thenReport((r) => {
        expect(r.hostages.releasedOutsideDeal).toBe(0);
        expect(r.hostages.releasedUnderDeal).toBe(2);
        expect(r.hostages.releasedTotal).toBe(2);
        expect(r.prisoners.due).toBe(6);
      });
  });
  it('cannot recount more than was released outside the deal', () => {
    given([...inPhase1, outside(1)])
      .when({
        type: 'release.recounted',
        data: { phase: 1, hostages: [{ category: 'women-and-children', count: 2 }] },
      })
      .thenRejected('recount.exceedsOutside');
  });
});

describe('pause.extended', () => {
  it('extends the pause under the rule', () => {
    given(inPhase1)
      .when(extend(2, 20))
      .thenReport((r) => {
        expect(r.pause).toMatchObject({ days: 6, extensions: 1 });
      });
  });
  it('is rejected when the hostages do not match the rule', () => {
    given(inPhase1).when(extend(2, 15)).thenRejected('extension.hostagesMismatch');
  });
  it('is rejected beyond the maximum days', () => {
    given([...inPhase1, extend(2)])
      .when(extend(2))
      .thenRejected('extension.tooLong');
  });
  it('is rejected outside a phase', () => {
    given(agreed).when(extend(1)).thenRejected('phase.notInProgress');
  });
});

describe('aid.delivered, violation.reported, hostages.counted', () => {
  it('are taken any time after opening', () => {
    given([opened])
      .when({ type: 'aid.delivered', data: { region: 'north', trucks: 50, fuelTrucks: 2 } })
      .thenReport((r) =>
        expect(r.aid).toEqual({
          trucks: 50,
          fuelTrucks: 2,
          byRegion: { north: { trucks: 50, fuelTrucks: 2 } },
          due: [],
        }),
      );
    given(inPhase1)
      .when({
        type: 'violation.reported',
        data: { by: 'israel', against: 'hamas', description: 'late release' },
      })
      .thenState('inPhase');
    given(phase1Done)
      .when({ type: 'hostages.counted', data: { held: { soldiers: 20 } } })
      .thenReport((r) => {
        expect(r.hostages.held).toBe(20);
        expect(r.hostages.remaining).toBe(20);
      });
  });
  it('are rejected before opening', () => {
    given([])
      .when({ type: 'aid.delivered', data: { region: 'north', trucks: 1 } })
      .thenRejected('log.notOpened');
  });
  it('aid for a phase that has not started is rejected', () => {
    given([opened])
      .when({ type: 'aid.delivered', data: { phase: 1, region: 'north', trucks: 1 } })
      .thenRejected('aid.phaseNotStarted');
  });
  it('a violation against an undeclared party is rejected', () => {
    given([opened])
      .when({
        type: 'violation.reported',
        data: { by: 'israel', against: 'iran', description: 'x' },
      })
      .thenRejected('party.notDeclared');
  });
});

describe('phase.completed', () => {
  it('is rejected while hostages are still due', () => {
    given([...inPhase1, release(49)])
      .when(complete(1))
      .thenRejected('phase.incomplete');
  });
  it('counts the extension hostages too', () => {
    given([...inPhase1, release(50), extend(1)])
      .when(complete(1))
      .thenRejected('phase.incompleteTotal');
  });
  it('moves to the next agreed phase', () => {
    given([...inPhase1, release(50)])
      .when(complete(1))
      .thenState('agreed');
  });
  it('without a next phase agreed, back to negotiating', () => {
    given([
      opened,
      sent(),
      acceptPhase('israel', 1),
      acceptPhase('hamas', 1),
      start(1),
      release(50),
    ])
      .when(complete(1))
      .thenState('negotiating.proposalOnTable');
  });
  it('the last phase with a permanent ceasefire concludes the deal', () => {
    given([...phase1Done, start(2), release(20, 2, 'soldiers')])
      .when(complete(2))
      .thenState('concluded');
    given([...phase1Done, start(2), release(20, 2, 'soldiers'), complete(2)])
      .when(sent('p2'))
      .thenRejected('deal.concluded');
  });
});

describe('hostilities.resumed', () => {
  it('collapses an agreed deal, a phase in progress, or a holding pause', () => {
    given(agreed).when(resumed).thenState('collapsed');
    given(inPhase1).when(resumed).thenState('collapsed');
    given([
      opened,
      sent(),
      acceptPhase('israel', 1),
      acceptPhase('hamas', 1),
      start(1),
      release(50),
      complete(1),
    ])
      .when(resumed)
      .thenState('collapsed');
  });
  it('is rejected when no pause is agreed or holding', () => {
    given([opened, sent()]).when(resumed).thenRejected('hostilities.noPause');
  });
  it('after a collapse, acceptances need a new proposal first', () => {
    given([...inPhase1, resumed])
      .when(accept('israel', 'p1'))
      .thenRejected('deal.collapsed');
  });
});

describe('talks.suspended and talks.resumed', () => {
  it('suspend and resume the talks', () => {
    given([opened, sent()])
      .when({ type: 'talks.suspended', data: { by: 'qatar', reason: 'recalled' } })
      .thenState('negotiating.suspended');
    given([opened, sent(), { type: 'talks.suspended', data: { by: 'qatar' } }])
      .when({ type: 'talks.resumed', data: { by: 'qatar' } })
      .thenState('negotiating.proposalOnTable');
  });
  it('resuming talks that are not suspended is rejected', () => {
    given([opened])
      .when({ type: 'talks.resumed', data: { by: 'qatar' } })
      .thenRejected('talks.notSuspended');
  });
  it('suspending twice is rejected', () => {
    given([opened, { type: 'talks.suspended', data: { by: 'qatar' } }])
      .when({ type: 'talks.suspended', data: { by: 'qatar' } })
      .thenRejected('talks.alreadySuspended');
  });
});

describe('the scenario helpers themselves', () => {
  it('fail loudly when an expectation does not hold', () => {
    expect(() => given([opened]).when(sent()).thenState('agreed')).toThrow(/expected state agreed/);
    expect(() => given([opened]).when(sent()).thenRejected()).toThrow(/to be rejected/);
    expect(() =>
      given([opened])
        .when(opened)
        .thenRejected(/no such words/),
    ).toThrow(/matching/);
    expect(() => given([sent()]).when(opened)).toThrow(/given event 1/);
  });
});
