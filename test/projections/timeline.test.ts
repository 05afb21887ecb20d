import { describe, expect, it } from 'vitest';
import type { Terms } from '../../events/index.js';
import {
  describeEvent,
  evolvePartyNames,
  type PartyNames,
  timelineEntry,
} from '../../projections/index.js';
import type { EventInput } from '../../testing/index.js';
import { event, opened, twoPhases } from './fixtures.js';

const names: PartyNames = {
  israel: 'Israel',
  hamas: 'Hamas',
  qatar: 'Qatar',
  egypt: 'Egypt',
  us: 'United States',
};

/** The sentence the timeline gives `input`. */
const said = (input: EventInput): string => describeEvent(event(1, input), names);

describe('negotiation.opened', () => {
  it('names the principals and the mediators, not third parties', () => {
    expect(said(opened)).toBe(
      'Negotiation opened: Projection deal (between Israel and Hamas; mediators Qatar)',
    );
  });

  it('lists three principals and two mediators', () => {
    expect(
      said({
        type: 'negotiation.opened',
        data: {
          title: 'Big table',
          parties: [
            { id: 'a', name: 'Alpha', role: 'principal' },
            { id: 'b', name: 'Beta', role: 'principal' },
            { id: 'c', name: 'Gamma', role: 'principal' },
            { id: 'm', name: 'Qatar', role: 'mediator' },
            { id: 'n', name: 'Egypt', role: 'mediator' },
          ],
        },
      }),
    ).toBe(
      'Negotiation opened: Big table (between Alpha, Beta and Gamma; mediators Qatar and Egypt)',
    );
  });

  it('leaves out mediators when there are none', () => {
    expect(
      said({
        type: 'negotiation.opened',
        data: {
          title: 'Direct',
          parties: [
            { id: 'a', name: 'Alpha', role: 'principal' },
            { id: 'b', name: 'Beta', role: 'principal' },
          ],
        },
      }),
    ).toBe('Negotiation opened: Direct (between Alpha and Beta)');
  });
});

describe('proposal.sent', () => {
  const single: Terms = {
    phases: [{ days: 1, hostages: [{ category: 'women', count: 1 }] }],
    permanentCeasefire: false,
  };

  it('gives the route, what it replaces and the headline terms', () => {
    expect(
      said({
        type: 'proposal.sent',
        data: {
          proposalId: 'p2',
          from: 'us',
          via: ['qatar', 'egypt'],
          to: ['israel', 'hamas'],
          replaces: 'p1',
          terms: twoPhases,
        },
      }),
    ).toBe(
      'United States sent proposal p2 via Qatar and Egypt to Israel and Hamas, replacing p1: 2 phases, 10 days of pause, 5 hostages, with a permanent ceasefire',
    );
  });

  it('uses the singular for one phase, one day and one hostage, and leaves out what is absent', () => {
    expect(
      said({ type: 'proposal.sent', data: { proposalId: 'p1', from: 'israel', terms: single } }),
    ).toBe(
      'Israel sent proposal p1: 1 phase, 1 day of pause, 1 hostage, without a permanent ceasefire',
    );
  });

  it('leaves out empty via and to lists', () => {
    expect(
      said({
        type: 'proposal.sent',
        data: { proposalId: 'p1', from: 'qatar', via: [], to: [], terms: single },
      }),
    ).toBe(
      'Qatar sent proposal p1: 1 phase, 1 day of pause, 1 hostage, without a permanent ceasefire',
    );
  });

  it('names a single recipient and leaves out hostages when a count is open', () => {
    const open: Terms = {
      phases: [{ days: 3, hostages: [{ category: 'women' }] }],
      permanentCeasefire: false,
    };
    expect(
      said({
        type: 'proposal.sent',
        data: { proposalId: 'p1', from: 'qatar', to: ['hamas'], terms: open },
      }),
    ).toBe(
      'Qatar sent proposal p1 to Hamas: 1 phase, 3 days of pause, without a permanent ceasefire',
    );
  });

  it('shows 0 hostages when the terms name none', () => {
    const none: Terms = { phases: [{ days: 2, hostages: [] }], permanentCeasefire: true };
    expect(
      said({ type: 'proposal.sent', data: { proposalId: 'p1', from: 'qatar', terms: none } }),
    ).toBe(
      'Qatar sent proposal p1: 1 phase, 2 days of pause, 0 hostages, with a permanent ceasefire',
    );
  });

  it('shows an id without a name as it is', () => {
    expect(
      said({
        type: 'proposal.sent',
        data: { proposalId: 'p1', from: 'oman', via: ['constructor'], terms: single },
      }),
    ).toBe(
      'oman sent proposal p1 via constructor: 1 phase, 1 day of pause, 1 hostage, without a permanent ceasefire',
    );
  });
});

describe('acceptances and rejections', () => {
  it('proposal.accepted', () => {
    expect(said({ type: 'proposal.accepted', data: { proposalId: 'p1', by: 'israel' } })).toBe(
      'Israel accepted proposal p1',
    );
  });

  it('phase.accepted', () => {
    expect(
      said({ type: 'phase.accepted', data: { proposalId: 'p1', phase: 2, by: 'hamas' } }),
    ).toBe('Hamas accepted phase 2 of proposal p1');
  });

  it('proposal.rejected with its reason', () => {
    expect(
      said({
        type: 'proposal.rejected',
        data: { proposalId: 'p1', by: 'hamas', reason: 'too few prisoners' },
      }),
    ).toBe('Hamas rejected proposal p1: too few prisoners');
  });

  it('proposal.rejected without a reason', () => {
    expect(said({ type: 'proposal.rejected', data: { proposalId: 'p1', by: 'hamas' } })).toBe(
      'Hamas rejected proposal p1',
    );
  });
});

describe('phases', () => {
  it('phase.started', () => {
    expect(said({ type: 'phase.started', data: { phase: 1 } })).toBe(
      'Phase 1 began: the pause is in force',
    );
  });

  it('phase.completed', () => {
    expect(said({ type: 'phase.completed', data: { phase: 2 } })).toBe('Phase 2 completed');
  });
});

describe('release.completed', () => {
  it('lists hostages, prisoners and releases outside the deal, with their counts', () => {
    expect(
      said({
        type: 'release.completed',
        data: {
          phase: 1,
          hostages: [
            { category: 'women', count: 2 },
            { category: 'children', count: 1 },
          ],
          prisoners: [
            { category: 'women', count: 6 },
            { category: 'minors', count: 3 },
          ],
          outsideDeal: [
            { group: 'thai', count: 4, by: 'thailand' },
            { group: 'filipino', count: 1 },
          ],
        },
      }),
    ).toBe(
      'Phase 1 release: 3 hostages under the deal (2 women and 1 children), 9 prisoners (6 women and 3 minors) and 5 outside the deal (4 thai and 1 filipino) released',
    );
  });

  it('uses the singular for one hostage and one prisoner', () => {
    expect(
      said({
        type: 'release.completed',
        data: {
          phase: 2,
          hostages: [{ category: 'soldiers', count: 1, deceased: true }],
          prisoners: [{ category: 'detainees', count: 1 }],
        },
      }),
    ).toBe(
      'Phase 2 release: 1 hostage under the deal (1 soldiers) and 1 prisoner (1 detainees) released',
    );
  });

  it('gives only the releases outside the deal when there are no others', () => {
    expect(
      said({
        type: 'release.completed',
        data: { phase: 1, hostages: [], outsideDeal: [{ group: 'thai', count: 1 }] },
      }),
    ).toBe('Phase 1 release: 1 outside the deal (1 thai) released');
  });

  it('gives only prisoners when no hostage is released', () => {
    expect(
      said({
        type: 'release.completed',
        data: { phase: 1, prisoners: [{ category: 'women', count: 30 }] },
      }),
    ).toBe('Phase 1 release: 30 prisoners (30 women) released');
  });

  it('says nobody when the release is empty', () => {
    expect(said({ type: 'release.completed', data: { phase: 3 } })).toBe(
      'Phase 3 release: nobody released',
    );
  });
});

describe('release.recounted', () => {
  it('with its reason', () => {
    expect(
      said({
        type: 'release.recounted',
        data: {
          phase: 1,
          hostages: [
            { category: 'thai', count: 2 },
            { category: 'filipino', count: 1 },
          ],
          reason: 'agreed as part of the deal',
        },
      }),
    ).toBe(
      '2 thai and 1 filipino released outside the deal now counted under phase 1: agreed as part of the deal',
    );
  });

  it('without a reason', () => {
    expect(
      said({
        type: 'release.recounted',
        data: { phase: 2, hostages: [{ category: 'women', count: 1 }] },
      }),
    ).toBe('1 women released outside the deal now counted under phase 2');
  });
});

describe('pause.extended', () => {
  it('one day, nothing stated', () => {
    expect(said({ type: 'pause.extended', data: { phase: 1, days: 1 } })).toBe(
      'Pause of phase 1 extended by 1 day',
    );
  });

  it('several days for hostages and prisoners', () => {
    expect(
      said({ type: 'pause.extended', data: { phase: 1, days: 2, hostages: 20, prisoners: 60 } }),
    ).toBe('Pause of phase 1 extended by 2 days for 20 more hostages and 60 more prisoners');
  });

  it('one more hostage only', () => {
    expect(said({ type: 'pause.extended', data: { phase: 2, days: 1, hostages: 1 } })).toBe(
      'Pause of phase 2 extended by 1 day for 1 more hostage',
    );
  });

  it('one more prisoner only', () => {
    expect(said({ type: 'pause.extended', data: { phase: 1, days: 3, prisoners: 1 } })).toBe(
      'Pause of phase 1 extended by 3 days for 1 more prisoner',
    );
  });

  it('states 0 hostages when the event says 0', () => {
    expect(said({ type: 'pause.extended', data: { phase: 1, days: 1, hostages: 0 } })).toBe(
      'Pause of phase 1 extended by 1 day for 0 more hostages',
    );
  });
});

describe('aid.delivered', () => {
  it('with fuel trucks', () => {
    expect(
      said({ type: 'aid.delivered', data: { region: 'north', trucks: 200, fuelTrucks: 4 } }),
    ).toBe('200 aid trucks (4 fuel trucks) delivered to north');
  });

  it('one truck, one fuel truck', () => {
    expect(
      said({ type: 'aid.delivered', data: { region: 'south', trucks: 1, fuelTrucks: 1 } }),
    ).toBe('1 aid truck (1 fuel truck) delivered to south');
  });

  it('without fuel trucks, stated as 0 or left out', () => {
    expect(
      said({ type: 'aid.delivered', data: { region: 'south', trucks: 3, fuelTrucks: 0 } }),
    ).toBe('3 aid trucks delivered to south');
    expect(said({ type: 'aid.delivered', data: { phase: 1, region: 'south', trucks: 0 } })).toBe(
      '0 aid trucks delivered to south',
    );
  });
});

describe('violation.reported', () => {
  it('against a party', () => {
    expect(
      said({
        type: 'violation.reported',
        data: { by: 'israel', against: 'hamas', description: 'rocket fire' },
      }),
    ).toBe('Israel reported a violation by Hamas: rocket fire');
  });

  it('against no one named', () => {
    expect(said({ type: 'violation.reported', data: { by: 'qatar', description: 'shots' } })).toBe(
      'Qatar reported a violation: shots',
    );
  });
});

describe('hostilities.resumed', () => {
  it('by a party, with a reason', () => {
    expect(
      said({ type: 'hostilities.resumed', data: { by: 'israel', reason: 'pause expired' } }),
    ).toBe('Fighting resumed (Israel): pause expired');
  });

  it('by a party', () => {
    expect(said({ type: 'hostilities.resumed', data: { by: 'hamas' } })).toBe(
      'Fighting resumed (Hamas)',
    );
  });

  it('with a reason only', () => {
    expect(said({ type: 'hostilities.resumed', data: { reason: 'pause expired' } })).toBe(
      'Fighting resumed: pause expired',
    );
  });

  it('with neither', () => {
    expect(said({ type: 'hostilities.resumed', data: {} })).toBe('Fighting resumed');
  });
});

describe('talks', () => {
  it('talks.suspended with and without a reason', () => {
    expect(said({ type: 'talks.suspended', data: { by: 'qatar', reason: 'consultations' } })).toBe(
      'Qatar suspended the talks: consultations',
    );
    expect(said({ type: 'talks.suspended', data: { by: 'qatar' } })).toBe(
      'Qatar suspended the talks',
    );
  });

  it('talks.resumed with and without a reason', () => {
    expect(said({ type: 'talks.resumed', data: { by: 'egypt', reason: 'new envoy' } })).toBe(
      'Egypt resumed the talks: new envoy',
    );
    expect(said({ type: 'talks.resumed', data: { by: 'egypt' } })).toBe('Egypt resumed the talks');
  });
});

describe('hostages.counted', () => {
  it('adds up the categories and lists each', () => {
    expect(
      said({
        type: 'hostages.counted',
        data: { held: { 'women-and-children': 100, soldiers: 30 } },
      }),
    ).toBe('130 hostages counted as held (100 women-and-children, 30 soldiers)');
  });

  it('uses the singular for one hostage', () => {
    expect(said({ type: 'hostages.counted', data: { held: { soldiers: 1 } } })).toBe(
      '1 hostage counted as held (1 soldiers)',
    );
  });
});

describe('evolvePartyNames', () => {
  it('learns the names of every party at the opening, keeping those it knew', () => {
    const before: PartyNames = { us: 'United States' };
    const after = evolvePartyNames(before, event(1, opened));
    expect(after).toEqual({
      us: 'United States',
      israel: 'Israel',
      hamas: 'Hamas',
      qatar: 'Qatar',
      thailand: 'Thailand',
    });
    expect(before).toEqual({ us: 'United States' });
  });

  it('returns the same names for any other event', () => {
    const before: PartyNames = { israel: 'Israel' };
    expect(evolvePartyNames(before, event(2, { type: 'phase.started', data: { phase: 1 } }))).toBe(
      before,
    );
  });
});

describe('timelineEntry', () => {
  const accepted: EventInput = {
    type: 'proposal.accepted',
    data: { proposalId: 'p1', by: 'israel' },
    at: '2023-11-22T10:00:00Z',
  };

  it('carries the event’s seq, time, type, sentence and source', () => {
    expect(
      timelineEntry(
        event(7, { ...accepted, source: { name: 'Reuters', confidence: 'reported' } }),
        names,
      ),
    ).toEqual({
      seq: 7,
      at: '2023-11-22T10:00:00Z',
      type: 'proposal.accepted',
      text: 'Israel accepted proposal p1',
      source: 'Reuters',
      confidence: 'reported',
    });
  });

  it('gives null for a source or confidence the event does not state', () => {
    expect(timelineEntry(event(7, accepted), names)).toMatchObject({
      source: null,
      confidence: null,
    });
    expect(
      timelineEntry(event(7, { ...accepted, source: { url: 'https://example.org' } }), names),
    ).toMatchObject({ source: null, confidence: null });
    expect(
      timelineEntry(event(7, { ...accepted, source: { confidence: 'claimed' } }), names),
    ).toMatchObject({ source: null, confidence: 'claimed' });
  });
});
