import { decodeEvent, type Terms, type TruceEvent } from '../../events/index.js';
import type { EventInput } from '../../testing/index.js';

// The projection tests keep their own fixtures: their expected numbers follow from these terms,
// so a change to the machine tests' fixtures must not move them.

export const opened: EventInput = {
  type: 'negotiation.opened',
  data: {
    title: 'Projection deal',
    parties: [
      { id: 'israel', name: 'Israel', role: 'principal' },
      { id: 'hamas', name: 'Hamas', role: 'principal' },
      { id: 'qatar', name: 'Qatar', role: 'mediator' },
      { id: 'thailand', name: 'Thailand', role: 'third-party' },
    ],
    held: { women: 25, soldiers: 6, bodies: 3 },
  },
};

/** Two phases: 3 women for 3 prisoners each, then 2 soldiers for 10 each. */
export const twoPhases: Terms = {
  phases: [
    {
      days: 4,
      hostages: [{ category: 'women', count: 3 }],
      exchange: [{ category: 'women', prisonersPerHostage: 3 }],
      aidTrucksPerDay: 100,
      extension: { hostagesPerDay: 2, prisonersPerHostage: 3, maxDays: 3 },
    },
    {
      days: 6,
      hostages: [{ category: 'soldiers', count: 2 }],
      exchange: [{ category: 'soldiers', prisonersPerHostage: 10 }],
      prisoners: 20,
    },
  ],
  permanentCeasefire: true,
};

export const send = (
  proposalId: string,
  terms: Terms = twoPhases,
  extra: Partial<{ from: string; via: string[]; to: string[]; replaces: string }> = {},
): EventInput => ({
  type: 'proposal.sent',
  data: { proposalId, from: extra.from ?? 'qatar', terms, ...extra },
});

export const accept = (by: string, proposalId = 'p1'): EventInput => ({
  type: 'proposal.accepted',
  data: { proposalId, by },
});

export const acceptPhase = (by: string, phase: number, proposalId = 'p1'): EventInput => ({
  type: 'phase.accepted',
  data: { proposalId, phase, by },
});

export const reject = (by: string, proposalId: string): EventInput => ({
  type: 'proposal.rejected',
  data: { proposalId, by },
});

export const start = (phase: number, at?: string): EventInput => ({
  type: 'phase.started',
  data: { phase },
  ...(at === undefined ? {} : { at }),
});

export const complete = (phase: number): EventInput => ({
  type: 'phase.completed',
  data: { phase },
});

export const resumed: EventInput = { type: 'hostilities.resumed', data: { by: 'israel' } };

/** Releases `count` hostages of `category` under the deal, with `prisoners` released for them. */
export const release = (
  phase: number,
  category: string,
  count: number,
  prisoners = 0,
): EventInput => ({
  type: 'release.completed',
  data: {
    phase,
    hostages: [{ category, count }],
    ...(prisoners ? { prisoners: [{ category: 'detainees', count: prisoners }] } : {}),
  },
});

export const outside = (phase: number, count: number): EventInput => ({
  type: 'release.completed',
  data: { phase, outsideDeal: [{ group: 'thai', count, by: 'thailand' }] },
});

/** p1 (two phases) accepted whole by both principals. */
export const agreed: EventInput[] = [opened, send('p1'), accept('israel'), accept('hamas')];
/** Phase 1 of p1 in progress. */
export const inPhase1: EventInput[] = [...agreed, start(1)];
/** Phase 1 done (3 women for 9 prisoners), phase 2 agreed. */
export const phase1Done: EventInput[] = [...inPhase1, release(1, 'women', 3, 9), complete(1)];

/** A decoded event of the log, for the projection functions themselves. */
export function event(seq: number, input: EventInput): TruceEvent {
  const decoded = decodeEvent({
    seq,
    id: `e${seq}`,
    at: input.at ?? new Date(Date.UTC(2024, 0, 1, seq)).toISOString(),
    type: input.type,
    data: input.data,
    ...(input.source ? { source: input.source } : {}),
  });
  if (!decoded.ok)
    throw new Error(`fixture ${seq} is not a valid event: ${decoded.issues[0]?.message}`);
  return decoded.value;
}

/** The events, numbered from 1. */
export function log(inputs: readonly EventInput[]): TruceEvent[] {
  return inputs.map((input, i) => event(i + 1, input));
}
