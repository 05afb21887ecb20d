import type { EventOf, PhaseTerms, Terms, TruceEvent } from '../events/index.js';

/** Where a proposal stands in the machine's eyes. */
/** `lapsed`: it was live when fighting resumed; acceptances of it no longer bind anyone. */
export type ProposalStatus = 'live' | 'rejected' | 'superseded' | 'lapsed';

/** A proposal as the machine tracks it: its terms and who accepted what. */
export interface ProposalRecord {
  proposalId: string;
  from: string;
  terms: Terms;
  status: ProposalStatus;
  /** Principals that accepted the whole proposal. */
  acceptedAll: string[];
  /** Phases accepted one by one, per principal. */
  acceptedPhases: Record<string, number[]>;
}

/** The phase in force: its terms and what has been counted against them. */
export interface PhaseInProgress {
  phase: number;
  proposalId: string;
  terms: PhaseTerms;
  /** Hostages counted under the deal, per category (releases and recounts). */
  released: Record<string, number>;
  extensionDays: number;
  extensionHostages: number;
}

/** Everything the deal statechart needs to judge the next event. JSON-serialisable. */
export interface DealContext {
  seq: number;
  at: string | null;
  parties: Record<string, { name: string; role: 'principal' | 'mediator' | 'third-party' }>;
  principals: string[];
  proposals: ProposalRecord[];
  /** The last phase started (0 before any). */
  phase: number;
  /** The last phase completed of the deal in force (0 before any, and again after a collapse). */
  completedPhases: number;
  inProgress: PhaseInProgress | null;
  /** A completed phase's pause still holds while talks go on. */
  pauseHolding: boolean;
  /** Hostages released outside the deal and not yet recounted under it. */
  outsideNotRecounted: number;
}

/** The context before `negotiation.opened`. */
export const initialDealContext: DealContext = {
  seq: 0,
  at: null,
  parties: {},
  principals: [],
  proposals: [],
  phase: 0,
  completedPhases: 0,
  inProgress: null,
  pauseHolding: false,
  outsideNotRecounted: 0,
};

/** The record of a proposal by id, if the log has one. */
export function findProposal(ctx: DealContext, proposalId: string): ProposalRecord | undefined {
  return ctx.proposals.find((p) => p.proposalId === proposalId);
}

/** Whether `party` has accepted `phase` of `proposal` (as a phase or with the whole proposal). */
export function hasAccepted(proposal: ProposalRecord, party: string, phase: number): boolean {
  if (proposal.acceptedAll.includes(party)) return true;
  return own(proposal.acceptedPhases, party)?.includes(phase) ?? false;
}

/** The live proposal whose `phase` every principal has accepted, if there is one. */
export function agreedProposalFor(ctx: DealContext, phase: number): ProposalRecord | undefined {
  return ctx.proposals.find(
    (p) =>
      p.status === 'live' &&
      p.terms.phases.length >= phase &&
      ctx.principals.every((party) => hasAccepted(p, party, phase)),
  );
}

/** The phase the talks are about: the one after the last completed. */
export function nextPhase(ctx: DealContext): number {
  return ctx.completedPhases + 1;
}

/** Whether a live proposal has terms for the next phase. */
export function proposalOnTable(ctx: DealContext): boolean {
  const next = nextPhase(ctx);
  return ctx.proposals.some((p) => p.status === 'live' && p.terms.phases.length >= next);
}

/** Hostages the phase's terms name per category (undefined: no count stated), and in all. */
export function phaseAllowance(terms: PhaseTerms): {
  base: Record<string, number | undefined>;
  baseTotal: number | undefined;
} {
  const base: Record<string, number | undefined> = {};
  let baseTotal: number | undefined = 0;
  for (const h of terms.hostages) {
    const unlimited = Object.hasOwn(base, h.category) && own(base, h.category) === undefined;
    base[h.category] =
      unlimited || h.count === undefined ? undefined : (own(base, h.category) ?? 0) + h.count;
    baseTotal = baseTotal === undefined || h.count === undefined ? undefined : baseTotal + h.count;
  }
  return { base, baseTotal };
}

/** Reads an own property of a record, never one inherited from `Object.prototype`. */
export function own<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Sum of a list of counts. */
export function total(items: ReadonlyArray<{ count: number }> | undefined): number {
  let sum = 0;
  for (const item of items ?? []) sum += item.count;
  return sum;
}

/**
 * The context after a legal event. Mutates `draft` (called inside immer's `produce` by the
 * machine's `apply` action); legality was checked before.
 */
export function evolveDealContext(draft: DealContext, event: TruceEvent): void {
  draft.seq = event.seq;
  draft.at = event.at;
  switch (event.type) {
    case 'negotiation.opened':
      for (const p of event.data.parties) {
        draft.parties[p.id] = { name: p.name, role: p.role };
        if (p.role === 'principal') draft.principals.push(p.id);
      }
      return;
    case 'proposal.sent': {
      const { proposalId, from, terms, replaces } = event.data;
      if (replaces !== undefined) {
        const old = draft.proposals.find((p) => p.proposalId === replaces);
        if (old) {
          old.status = 'superseded';
          old.acceptedAll = [];
          old.acceptedPhases = {};
        }
      }
      draft.proposals.push({
        proposalId,
        from,
        terms,
        status: 'live',
        acceptedAll: [],
        acceptedPhases: {},
      });
      return;
    }
    case 'proposal.accepted': {
      const p = draft.proposals.find((x) => x.proposalId === event.data.proposalId);
      p?.acceptedAll.push(event.data.by);
      return;
    }
    case 'phase.accepted': {
      const p = draft.proposals.find((x) => x.proposalId === event.data.proposalId);
      if (!p) return;
      const list = own(p.acceptedPhases, event.data.by);
      if (list) list.push(event.data.phase);
      else p.acceptedPhases[event.data.by] = [event.data.phase];
      return;
    }
    case 'proposal.rejected': {
      const p = draft.proposals.find((x) => x.proposalId === event.data.proposalId);
      if (p) p.status = 'rejected';
      return;
    }
    case 'phase.started': {
      const phase = event.data.phase;
      const agreed = agreedProposalFor(draft, phase);
      if (!agreed) return;
      const terms = agreed.terms.phases[phase - 1];
      if (!terms) return;
      draft.phase = phase;
      draft.pauseHolding = false;
      draft.inProgress = {
        phase,
        proposalId: agreed.proposalId,
        terms,
        released: {},
        extensionDays: 0,
        extensionHostages: 0,
      };
      return;
    }
    case 'release.completed': {
      const progress = draft.inProgress;
      if (progress) countUnderDeal(progress, event.data.hostages);
      draft.outsideNotRecounted += total(event.data.outsideDeal);
      return;
    }
    case 'release.recounted': {
      if (draft.inProgress) countUnderDeal(draft.inProgress, event.data.hostages);
      draft.outsideNotRecounted -= total(event.data.hostages);
      return;
    }
    case 'pause.extended': {
      const progress = draft.inProgress;
      if (!progress) return;
      progress.extensionDays += event.data.days;
      progress.extensionHostages += extensionHostages(progress.terms, event);
      return;
    }
    case 'phase.completed':
      draft.completedPhases = event.data.phase;
      draft.inProgress = null;
      draft.pauseHolding = true;
      return;
    case 'hostilities.resumed':
      // A collapse ends the deal: its proposals lapse, and the next agreement starts again at
      // phase 1 (a new deal spells out its own phases).
      draft.inProgress = null;
      draft.pauseHolding = false;
      draft.completedPhases = 0;
      for (const p of draft.proposals) if (p.status === 'live') p.status = 'lapsed';
      return;
    case 'aid.delivered':
    case 'violation.reported':
    case 'talks.suspended':
    case 'talks.resumed':
    case 'hostages.counted':
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`unhandled event ${(unreachable as TruceEvent).type}`);
    }
  }
}

function countUnderDeal(
  progress: PhaseInProgress,
  hostages: ReadonlyArray<{ category: string; count: number }> | undefined,
): void {
  for (const h of hostages ?? []) {
    progress.released[h.category] = (own(progress.released, h.category) ?? 0) + h.count;
  }
}

/** Hostages an extension brings: as stated, else what the phase's rule gives for its days. */
export function extensionHostages(terms: PhaseTerms, event: EventOf<'pause.extended'>): number {
  if (event.data.hostages !== undefined) return event.data.hostages;
  return terms.extension ? event.data.days * terms.extension.hostagesPerDay : 0;
}
