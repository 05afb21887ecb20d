import { describe, it } from 'vitest';
import { type EventInput, given } from '../../testing/index.js';
import {
  accept,
  acceptPhase,
  agreed,
  complete,
  inPhase1,
  opened,
  phase1Done,
  release,
  resumed,
  sent,
  start,
} from './fixtures.js';

/**
 * The rules in the branches the broken-log goldens do not reach: who may act, events dated on
 * the boundary, and the sentence each rule says in its other wording. Expectations written from
 * the README's rules and docs/decisions.md.
 */

const suspend: EventInput = { type: 'talks.suspended', data: { by: 'israel' } };
const at = (hour: number): string => new Date(Date.UTC(2024, 0, 1, hour)).toISOString();

describe('who may act', () => {
  it('an acceptance by a party never declared is refused as undeclared', () => {
    given([opened, sent()])
      .when(accept('egypt'))
      .thenRejected('party.notDeclared', 'party egypt was not declared');
  });

  it('a mediator may not reject, nor state a demand, nor accept: each said with its verb', () => {
    given([opened, sent()])
      .when({ type: 'proposal.rejected', data: { proposalId: 'p1', by: 'qatar' } })
      .thenRejected(
        'party.notPrincipal',
        'only principals (israel, hamas) may reject; qatar is a mediator',
      );
    given([opened])
      .when({
        type: 'demand.stated',
        data: { by: 'thailand', description: 'an end to the war' },
      } as EventInput)
      .thenRejected('party.notPrincipal', 'may state a demand; thailand is a third-party');
    given([opened, sent()])
      .when(acceptPhase('qatar', 1))
      .thenRejected('party.notPrincipal', 'may accept; qatar is a mediator');
  });

  it('flare-ups, restorations, remains, withdrawals and talks name declared parties only', () => {
    given(inPhase1)
      .when({
        type: 'flareup.reported',
        data: { by: 'egypt', against: 'israel', description: 'shelling' },
      } as EventInput)
      .thenRejected('party.notDeclared', 'party egypt');
    given(inPhase1)
      .when({
        type: 'flareup.reported',
        data: { by: 'israel', against: 'egypt', description: 'shelling' },
      } as EventInput)
      .thenRejected('party.notDeclared', 'party egypt');
    given([
      ...inPhase1,
      {
        type: 'flareup.reported',
        data: { by: 'israel', against: 'hamas', description: 'shelling' },
      } as EventInput,
    ])
      .when({ type: 'ceasefire.restored', data: { by: 'egypt' } } as EventInput)
      .thenRejected('party.notDeclared', 'party egypt');
    given(inPhase1)
      .when({ type: 'remains.returned', data: { by: 'egypt', count: 1 } } as EventInput)
      .thenRejected('party.notDeclared', 'party egypt');
    given(inPhase1)
      .when({ type: 'forces.withdrawn', data: { by: 'egypt', line: 'x' } } as EventInput)
      .thenRejected('party.notDeclared', 'party egypt');
    given(inPhase1)
      .when({ type: 'talks.started', data: { phase: 2, by: ['israel', 'egypt'] } } as EventInput)
      .thenRejected('party.notDeclared', 'party egypt');
    given(inPhase1)
      .when({ type: 'talks.started', data: { phase: 2, by: ['israel', 'hamas'] } } as EventInput)
      .thenState('inPhase');
  });

  it('hostages released outside the deal are released by a declared party', () => {
    given(inPhase1)
      .when({
        type: 'release.completed',
        data: { phase: 1, outsideDeal: [{ group: 'thai', count: 1, by: 'egypt' }] },
      })
      .thenRejected('party.notDeclared', 'party egypt');
  });
});

describe('dates on the boundary', () => {
  it('an answer dated the very instant the proposal was sent is taken', () => {
    given([opened, { ...sent(), at: at(5) }])
      .when({ ...accept('israel'), at: at(5) })
      .thenState('negotiating.proposalOnTable');
  });
});

describe('aid and remains for a phase', () => {
  it('are taken for a phase that has started, refused beyond the last started', () => {
    given(inPhase1)
      .when({
        type: 'aid.delivered',
        data: { phase: 1, region: 'north', trucks: 10 },
      } as EventInput)
      .thenState('inPhase');
    given(inPhase1)
      .when({
        type: 'aid.delivered',
        data: { phase: 2, region: 'north', trucks: 10 },
      } as EventInput)
      .thenRejected(
        'aid.phaseNotStarted',
        'aid is reported for phase 2, but only phases up to 1 have started',
      );
    given(inPhase1)
      .when({ type: 'remains.returned', data: { by: 'israel', count: 3, phase: 1 } } as EventInput)
      .thenState('inPhase');
    given(inPhase1)
      .when({ type: 'remains.returned', data: { by: 'israel', count: 3, phase: 2 } } as EventInput)
      .thenRejected(
        'remains.phaseNotStarted',
        'remains are reported for phase 2, but only phases up to 1 have started',
      );
  });
});

describe('the sentences of rules broken by coming in the wrong state', () => {
  it('a phase accepted or a proposal rejected while talks are suspended', () => {
    given([opened, sent(), suspend])
      .when(acceptPhase('hamas', 1))
      .thenRejected('talks.suspended', 'talks are suspended; a talks.resumed must come first');
    given([opened, sent(), suspend])
      .when({ type: 'proposal.rejected', data: { proposalId: 'p1', by: 'hamas' } })
      .thenRejected('talks.suspended');
  });

  it('an answer after a collapse', () => {
    given([...inPhase1, resumed])
      .when({ type: 'proposal.rejected', data: { proposalId: 'p1', by: 'hamas' } })
      .thenRejected('deal.collapsed');
    given([...inPhase1, resumed])
      .when(acceptPhase('hamas', 1))
      .thenRejected('deal.collapsed');
  });

  it('a phase started out of turn while negotiating', () => {
    given([opened, sent()])
      .when(start(3))
      .thenRejected(
        'phase.notNext',
        'the next phase is 1, not 3 (phase.started is taken only in agreed)',
      );
  });

  it('a phase no live proposal has every acceptance of: each lacking proposal named', () => {
    const onePhase: EventInput = {
      type: 'proposal.sent',
      data: {
        proposalId: 'short',
        from: 'qatar',
        terms: { phases: [{ days: 1, hostages: [] }], permanentCeasefire: false },
      },
    };
    // Phase 1 of p1 done: the talks are about phase 2. `short` has no phase 2, `gone` was
    // rejected, p1 and p4 have it without every acceptance.
    const before: EventInput[] = [
      opened,
      sent(),
      acceptPhase('israel', 1),
      acceptPhase('hamas', 1),
      start(1),
      release(50),
      complete(1),
      acceptPhase('israel', 2),
      onePhase,
      sent('gone'),
      { type: 'proposal.rejected', data: { proposalId: 'gone', by: 'hamas' } },
      sent('p4'),
    ];
    given(before)
      .when(start(2))
      .thenRejected(
        'phase.notAgreed',
        "phase 2 needs every principal's acceptance (israel, hamas) of one live proposal: p1 lacks hamas; p4 lacks israel and hamas (phase.started is taken only in agreed)",
      );
    given([opened])
      .when(start(1))
      .thenRejected(
        'phase.notAgreed',
        "phase 1 needs every principal's acceptance (israel, hamas) of one live proposal, and no live proposal has terms for it",
      );
  });

  it('phase events with no phase in progress: none started yet, or the last one done', () => {
    given(agreed)
      .when({
        type: 'release.recounted',
        data: { phase: 1, hostages: [{ category: 'women-and-children', count: 1 }] },
      })
      .thenRejected(
        'phase.notInProgress',
        'a release.recounted needs a phase in progress, and no phase has started',
      );
    given(phase1Done)
      .when(complete(1))
      .thenRejected(
        'phase.notInProgress',
        'a phase.completed needs a phase in progress, and phase 1 is not in progress',
      );
    given(phase1Done)
      .when(release(1))
      .thenRejected(
        'phase.notInProgress',
        'a release.completed needs a phase in progress, and phase 1',
      );
  });

  it('a flare-up or a restoration after a collapse', () => {
    given([...inPhase1, resumed])
      .when({
        type: 'flareup.reported',
        data: { by: 'israel', against: 'hamas', description: 'shelling' },
      } as EventInput)
      .thenRejected(
        'flareup.noCeasefire',
        'a flareup.reported needs a ceasefire in force, and fighting has resumed',
      );
    given([...inPhase1, resumed])
      .when({ type: 'ceasefire.restored', data: { by: 'israel' } } as EventInput)
      .thenRejected('flareup.noCeasefire', 'a ceasefire.restored needs a ceasefire in force');
  });
});

describe('recounts and releases against the terms', () => {
  it('a recount beyond the terms says recount', () => {
    given([
      ...inPhase1,
      { type: 'release.completed', data: { phase: 1, outsideDeal: [{ group: 'g', count: 60 }] } },
      release(45),
    ])
      .when({
        type: 'release.recounted',
        data: { phase: 1, hostages: [{ category: 'women-and-children', count: 10 }] },
      })
      .thenRejected('release.exceedsTerms', 'recount of 10 women-and-children exceeds the 5');
  });

  it('a release in a phase whose terms name no hostages says they name none', () => {
    given([
      opened,
      {
        type: 'proposal.sent',
        data: {
          proposalId: 'aid-only',
          from: 'qatar',
          terms: { phases: [{ days: 3, hostages: [] }], permanentCeasefire: false },
        },
      },
      accept('israel', 'aid-only'),
      accept('hamas', 'aid-only'),
      start(1),
    ])
      .when(release(1))
      .thenRejected(
        'release.categoryNotNamed',
        "phase 1's terms name no women-and-children hostages (they name: none)",
      );
  });
});

describe('categories and extensions', () => {
  const twoCategories: EventInput[] = [
    opened,
    {
      type: 'proposal.sent',
      data: {
        proposalId: 'two',
        from: 'qatar',
        terms: {
          phases: [
            {
              days: 3,
              hostages: [
                { category: 'living', count: 2 },
                { category: 'bodies', count: 2 },
              ],
              extension: { hostagesPerDay: 1 },
            },
          ],
          permanentCeasefire: false,
        },
      },
    },
    accept('israel', 'two'),
    accept('hamas', 'two'),
    start(1),
  ];

  it('a release of a category the terms do not name lists those they do', () => {
    given(twoCategories)
      .when(release(1, 1, 'elderly'))
      .thenRejected(
        'release.categoryNotNamed',
        "phase 1's terms name no elderly hostages (they name: living, bodies)",
      );
  });

  it('an extension rule with no prisoner ratio takes whatever prisoners an extension states', () => {
    given(twoCategories)
      .when({ type: 'pause.extended', data: { phase: 1, days: 2, hostages: 2, prisoners: 7 } })
      .thenState('inPhase');
  });
});
