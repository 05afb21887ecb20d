import type { EventInput } from '../../testing/index.js';

export const opened: EventInput = {
  type: 'negotiation.opened',
  data: {
    title: 'Test deal',
    parties: [
      { id: 'israel', name: 'Israel', role: 'principal' },
      { id: 'hamas', name: 'Hamas', role: 'principal' },
      { id: 'qatar', name: 'Qatar', role: 'mediator' },
      { id: 'thailand', name: 'Thailand', role: 'third-party' },
    ],
    held: { 'women-and-children': 100, soldiers: 20 },
  },
};

export const terms = {
  phases: [
    {
      days: 4,
      hostages: [{ category: 'women-and-children', count: 50 }],
      exchange: [{ category: 'women-and-children', prisonersPerHostage: 3 }],
      aidTrucksPerDay: 200,
      extension: { hostagesPerDay: 10, prisonersPerHostage: 3, maxDays: 3 },
    },
    {
      days: 10,
      hostages: [{ category: 'soldiers', count: 20 }],
      exchange: [{ category: 'soldiers', prisonersPerHostage: 10 }],
    },
  ],
  permanentCeasefire: true,
};

export const sent = (
  proposalId = 'p1',
  extra: Partial<{ replaces: string; from: string }> = {},
): EventInput => ({
  type: 'proposal.sent',
  data: {
    proposalId,
    from: extra.from ?? 'qatar',
    via: ['qatar'],
    to: ['israel', 'hamas'],
    terms,
    ...(extra.replaces ? { replaces: extra.replaces } : {}),
  },
});

export const accept = (by: string, proposalId = 'p1'): EventInput => ({
  type: 'proposal.accepted',
  data: { proposalId, by },
});

export const acceptPhase = (by: string, phase: number, proposalId = 'p1'): EventInput => ({
  type: 'phase.accepted',
  data: { proposalId, phase, by },
});

export const start = (phase = 1): EventInput => ({ type: 'phase.started', data: { phase } });

export const release = (count: number, phase = 1, category = 'women-and-children'): EventInput => ({
  type: 'release.completed',
  data: {
    phase,
    hostages: [{ category, count }],
    prisoners: [{ category: 'women', count: count * 3 }],
  },
});

export const outside = (count: number, phase = 1): EventInput => ({
  type: 'release.completed',
  data: { phase, outsideDeal: [{ group: 'thai', count, by: 'thailand' }] },
});

export const extend = (days: number, hostages?: number, phase = 1): EventInput => ({
  type: 'pause.extended',
  data: { phase, days, ...(hostages === undefined ? {} : { hostages }) },
});

export const complete = (phase = 1): EventInput => ({ type: 'phase.completed', data: { phase } });

export const resumed: EventInput = {
  type: 'hostilities.resumed',
  data: { reason: 'pause expired' },
};

/** Opened, proposed, accepted by both principals: the deal is agreed. */
export const agreed: EventInput[] = [opened, sent(), accept('israel'), accept('hamas')];
/** Phase 1 in progress. */
export const inPhase1: EventInput[] = [...agreed, start(1)];
/** Phase 1 done (50 released), phase 2 agreed. */
export const phase1Done: EventInput[] = [...inPhase1, release(50), complete(1)];
