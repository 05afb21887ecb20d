import type { EventData, Terms, TruceEvent } from '../../events/index.js';
import {
  type DealContext,
  hasAccepted,
  isOpen,
  listProposals,
  statePath,
  tableEntries,
  tableSize,
} from '../../machines/index.js';
import { type LegalityView, nextEvents, toEvent } from '../../testing/generator/nextEvents.js';

/** The parties of every model path: two principals, a mediator and a third party. */
export const modelOpening: EventData<'negotiation.opened'> = {
  title: 'Model negotiation',
  parties: [
    { id: 'israel', name: 'Israel', role: 'principal' },
    { id: 'hamas', name: 'Hamas', role: 'principal' },
    { id: 'qatar', name: 'Qatar', role: 'mediator' },
    { id: 'thailand', name: 'Thailand', role: 'third-party' },
  ],
};

/**
 * The two deals the model offers: a two-phase deal with an end-of-war clause and an
 * extension rule (the path to `concluded`), and a one-phase deal without one.
 */
export const modelTerms: readonly Terms[] = [
  {
    phases: [
      {
        days: 2,
        hostages: [{ category: 'women', count: 1 }],
        exchange: [{ category: 'women', prisonersPerHostage: 3 }],
        extension: { hostagesPerDay: 1, maxDays: 1 },
      },
      { days: 1, hostages: [{ category: 'soldiers', count: 1 }] },
    ],
    permanentCeasefire: true,
  },
  { phases: [{ days: 1, hostages: [{ category: 'women', count: 1 }] }], permanentCeasefire: false },
];

/** At most two proposals per path: a counter-proposal, or renewed talks after a collapse. */
export const MODEL_MAX_PROPOSALS = 2;

/** `2024-01-01T00:00:00.000Z` plus `seq` hours: every path's times increase. */
export function modelTime(seq: number): string {
  return new Date(Date.UTC(2024, 0, 1) + seq * 3_600_000).toISOString();
}

/**
 * The concrete events the traversal tries in a state: every legal next event of the shared
 * legality model, with the smallest numbers (one hostage at a time, one extra day).
 */
export function modelEvents(snapshot: {
  value: Parameters<typeof statePath>[0];
  context: DealContext;
}): TruceEvent[] {
  const ctx = snapshot.context;
  const seq = ctx.seq + 1;
  const path = statePath(snapshot.value);
  const events = nextEvents(path, legalityView(ctx), {
    terms: modelTerms,
    maxProposals: MODEL_MAX_PROPOSALS,
    opening: modelOpening,
  }).map((c) =>
    toEvent(
      c.draw(() => 0),
      seq,
      modelTime(seq),
    ),
  );
  return events;
}

/**
 * The machine's context as the shared legality model reads it: proposals in the order sent
 * (an accepted one is still live there), acceptances and counts as plain records.
 */
export function legalityView(ctx: DealContext): LegalityView {
  const progress = ctx.inProgress;
  return {
    parties: ctx.parties,
    principals: ctx.principals,
    proposals: listProposals(ctx).map((p) => {
      const acceptedPhases: Record<string, number[]> = {};
      for (const [key] of tableEntries(p.acceptedPhases)) {
        const [party = '', phase] = key.split(' ');
        const list = acceptedPhases[party] ?? [];
        list.push(Number(phase));
        acceptedPhases[party] = list;
      }
      return {
        proposalId: p.proposalId,
        status: isOpen(p.status) ? 'live' : p.status,
        terms: p.terms,
        acceptedAll: p.acceptedAll,
        acceptedPhases,
      };
    }),
    phase: ctx.phase,
    completedPhases: ctx.completedPhases,
    inProgress: progress && {
      phase: progress.phase,
      proposalId: progress.proposalId,
      terms: progress.terms,
      released: Object.fromEntries(tableEntries(progress.released)),
      extensionDays: progress.extensionDays,
      extensionHostages: progress.extensionHostages,
    },
    pauseHolding: ctx.pauseHolding,
    outsideNotRecounted: ctx.outsideNotRecounted,
    strained: ctx.strained,
  };
}

/**
 * The finite key of a snapshot: its state value and the coarse facts the guards read (phase,
 * holding pause, what is counted in the phase, and per live proposal how far its next phase is
 * accepted), never the seq or the counters that grow without bound.
 */
export function modelKey(snapshot: {
  value: Parameters<typeof statePath>[0];
  context: DealContext;
}): string {
  const ctx = snapshot.context;
  const next = ctx.completedPhases + 1;
  const progress = ctx.inProgress;
  return JSON.stringify([
    statePath(snapshot.value),
    ctx.completedPhases,
    ctx.pauseHolding,
    ctx.strained,
    Math.min(ctx.outsideNotRecounted, 1),
    progress && [progress.phase, progress.releasedTotal, Math.min(progress.extensionDays, 2)],
    tableSize(ctx.proposals),
    listProposals(ctx)
      .filter((p) => isOpen(p.status))
      .map((p) => [
        p.terms.phases.length,
        ctx.principals.filter((by) => hasAccepted(p, by, next)).length,
        p.acceptedAll.length,
      ])
      .sort(),
  ]);
}
