import { type Draft, produce } from 'immer';
import type { PhaseTerms, Terms, TruceEvent } from '../events/index.js';
import {
  namedHostages,
  prisonersPerHostage,
  summarizeTerms,
  type TermsSummary,
} from './summary.js';

/** How a proposal stands in the record. */
/** `lapsed`: live or accepted when fighting resumed, so it binds no one any more. */
export type ProposalState = 'live' | 'accepted' | 'rejected' | 'superseded' | 'lapsed';

/** A proposal as the projections show it. */
export interface ProposalView {
  proposalId: string;
  from: string;
  via: string[];
  to: string[];
  replaces: string | null;
  supersededBy: string | null;
  status: ProposalState;
  /** Per principal: `all`, or the phases accepted one by one. */
  acceptedBy: Record<string, 'all' | number[]>;
  rejectedBy: string | null;
  seq: number;
  at: string;
  summary: TermsSummary;
  terms: Terms;
}

/** A principal's latest stance: its own latest proposal or acceptance. */
export interface Position extends TermsSummary {
  proposalId: string;
  stance: 'proposed' | 'accepted' | 'accepted-phase';
  phase: number | null;
  seq: number;
  at: string;
}

/** One term on which the principals' positions differ. */
export interface StickingPoint {
  term: keyof TermsSummary;
  positions: Record<string, TermsSummary[keyof TermsSummary]>;
}

/** Per-phase accounting. */
export interface PhaseAccount {
  phase: number;
  proposalId: string;
  startedAt: string;
  completed: boolean;
  days: number;
  extensions: number;
  /** Hostages the terms name plus those extensions bring, when the terms state counts. */
  hostagesNamed: number | null;
  hostagesReleased: number;
  prisonersReleased: number;
  prisonersDue: number;
}

/** The state of every projection, folded event by event. JSON-serialisable. */
export interface DealProjection {
  seq: number;
  at: string | null;
  title: string | null;
  parties: Record<string, { name: string; role: string }>;
  principals: string[];
  phase: number;
  hostages: {
    releasedAlive: number;
    bodiesReturned: number;
    releasedOutsideDeal: number;
    byCategory: Record<string, number>;
    outsideDealByGroup: Record<string, number>;
    /** The last count of hostages held, by category, and what had been released by then. */
    held: Record<string, number> | null;
    releasedAtCount: number;
  };
  prisoners: { released: number; due: number; byCategory: Record<string, number> };
  aid: {
    trucks: number;
    fuelTrucks: number;
    byRegion: Record<string, { trucks: number; fuelTrucks: number }>;
  };
  byPhase: PhaseAccount[];
  terms: Array<PhaseTerms & { phase: number; proposalId: string; permanentCeasefire: boolean }>;
  proposals: ProposalView[];
  positions: Record<string, Position>;
  violations: number;
}

/** Before the first event. */
export const initialDealProjection: DealProjection = {
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
  },
  prisoners: { released: 0, due: 0, byCategory: {} },
  aid: { trucks: 0, fuelTrucks: 0, byRegion: {} },
  byPhase: [],
  terms: [],
  proposals: [],
  positions: {},
  violations: 0,
};

/**
 * Folds one event into the projections. Legality was decided by the machine; a projection
 * only derives.
 *
 * @example
 * const p = events.reduce(evolveDealProjection, initialDealProjection);
 */
export function evolveDealProjection(state: DealProjection, event: TruceEvent): DealProjection {
  return produce(state, (draft) => {
    applyEvent(draft, event);
    draft.seq = event.seq;
    draft.at = event.at;
  });
}

/** Folds a batch of events with one immer `produce`, for replay's hot path. */
export function evolveDealProjectionMany(
  state: DealProjection,
  events: readonly TruceEvent[],
): DealProjection {
  const last = events[events.length - 1];
  if (last === undefined) return state;
  return produce(state, (draft) => {
    for (const event of events) applyEvent(draft, event);
    // Every event sets them and none reads them: writing the last event's once per batch
    // spares two draft writes per event.
    draft.seq = last.seq;
    draft.at = last.at;
  });
}

function add(record: Record<string, number>, key: string, n: number): void {
  record[key] = (Object.hasOwn(record, key) ? (record[key] ?? 0) : 0) + n;
}

function releasedTotal(h: DealProjection['hostages']): number {
  return h.releasedAlive + h.bodiesReturned + h.releasedOutsideDeal;
}

function phaseTerms(draft: Draft<DealProjection>, phase: number): PhaseTerms | undefined {
  const t = draft.terms.find((x) => x.phase === phase);
  return t;
}

function accepted(p: ProposalView, party: string, phase: number): boolean {
  const a = Object.hasOwn(p.acceptedBy, party) ? p.acceptedBy[party] : undefined;
  return a === 'all' || (Array.isArray(a) && a.includes(phase));
}

function fullyAccepted(p: ProposalView, principals: readonly string[]): boolean {
  return principals.every((party) => p.terms.phases.every((_, i) => accepted(p, party, i + 1)));
}

function countHostages(
  draft: Draft<DealProjection>,
  phase: number,
  hostages: ReadonlyArray<{ category: string; count: number; deceased?: boolean | undefined }>,
): void {
  if (hostages.length === 0) return;
  const account = draft.byPhase.findLast((a) => a.phase === phase);
  const terms = phaseTerms(draft, phase);
  const counts = draft.hostages;
  const prisoners = draft.prisoners;
  for (const h of hostages) {
    if (h.deceased === true || h.category === 'bodies') counts.bodiesReturned += h.count;
    else counts.releasedAlive += h.count;
    add(counts.byCategory, h.category, h.count);
    const due = terms ? prisonersPerHostage(terms, h.category) * h.count : 0;
    prisoners.due += due;
    if (account) {
      account.hostagesReleased += h.count;
      account.prisonersDue += due;
    }
  }
}

/** Folds one event, all but its `seq` and `at`, which the caller sets. */
function applyEvent(draft: Draft<DealProjection>, event: TruceEvent): void {
  switch (event.type) {
    case 'negotiation.opened':
      draft.title = event.data.title;
      for (const p of event.data.parties) {
        draft.parties[p.id] = { name: p.name, role: p.role };
        if (p.role === 'principal') draft.principals.push(p.id);
      }
      if (event.data.held) draft.hostages.held = { ...event.data.held };
      return;
    case 'proposal.sent': {
      const d = event.data;
      if (d.replaces !== undefined) {
        const old = draft.proposals.find((p) => p.proposalId === d.replaces);
        if (old) {
          old.status = 'superseded';
          old.supersededBy = d.proposalId;
        }
      }
      draft.proposals.push({
        proposalId: d.proposalId,
        from: d.from,
        via: d.via ?? [],
        to: d.to ?? [],
        replaces: d.replaces ?? null,
        supersededBy: null,
        status: 'live',
        acceptedBy: {},
        rejectedBy: null,
        seq: event.seq,
        at: event.at,
        summary: summarizeTerms(d.terms),
        terms: d.terms,
      });
      if (draft.principals.includes(d.from)) {
        draft.positions[d.from] = {
          ...summarizeTerms(d.terms),
          proposalId: d.proposalId,
          stance: 'proposed',
          phase: null,
          seq: event.seq,
          at: event.at,
        };
      }
      return;
    }
    case 'proposal.accepted':
    case 'phase.accepted': {
      const d = event.data;
      const p = draft.proposals.find((x) => x.proposalId === d.proposalId);
      if (!p) return;
      const phase = event.type === 'phase.accepted' ? event.data.phase : null;
      if (phase === null) p.acceptedBy[d.by] = 'all';
      else {
        const prior = Object.hasOwn(p.acceptedBy, d.by) ? p.acceptedBy[d.by] : undefined;
        if (Array.isArray(prior)) prior.push(phase);
        else if (prior !== 'all') p.acceptedBy[d.by] = [phase];
      }
      if (fullyAccepted(p as ProposalView, draft.principals)) p.status = 'accepted';
      draft.positions[d.by] = {
        ...p.summary,
        proposalId: p.proposalId,
        stance: phase === null ? 'accepted' : 'accepted-phase',
        phase,
        seq: event.seq,
        at: event.at,
      };
      return;
    }
    case 'proposal.rejected': {
      const p = draft.proposals.find((x) => x.proposalId === event.data.proposalId);
      if (p) {
        p.status = 'rejected';
        p.rejectedBy = event.data.by;
      }
      return;
    }
    case 'phase.started': {
      const phase = event.data.phase;
      const p = draft.proposals.find(
        (x) =>
          (x.status === 'live' || x.status === 'accepted') &&
          x.terms.phases.length >= phase &&
          draft.principals.every((party) => accepted(x as ProposalView, party, phase)),
      );
      const terms = p?.terms.phases[phase - 1];
      draft.phase = phase;
      if (!p || !terms) return;
      draft.terms = draft.terms.filter((t) => t.phase < phase);
      draft.terms.push({
        ...terms,
        phase,
        proposalId: p.proposalId,
        permanentCeasefire: p.terms.permanentCeasefire,
      });
      draft.byPhase.push({
        phase,
        proposalId: p.proposalId,
        startedAt: event.at,
        completed: false,
        days: terms.days,
        extensions: 0,
        hostagesNamed: namedHostages(terms),
        hostagesReleased: 0,
        prisonersReleased: 0,
        prisonersDue: 0,
      });
      return;
    }
    case 'release.completed': {
      const d = event.data;
      countHostages(draft, d.phase, d.hostages ?? []);
      if (d.prisoners !== undefined && d.prisoners.length > 0) {
        const prisoners = draft.prisoners;
        const account = draft.byPhase.findLast((a) => a.phase === d.phase);
        for (const p of d.prisoners) {
          prisoners.released += p.count;
          add(prisoners.byCategory, p.category, p.count);
          if (account) account.prisonersReleased += p.count;
        }
      }
      if (d.outsideDeal !== undefined && d.outsideDeal.length > 0) {
        const counts = draft.hostages;
        for (const o of d.outsideDeal) {
          counts.releasedOutsideDeal += o.count;
          add(counts.outsideDealByGroup, o.group, o.count);
        }
      }
      return;
    }
    case 'release.recounted': {
      const moved = event.data.hostages.reduce((sum, h) => sum + h.count, 0);
      draft.hostages.releasedOutsideDeal -= moved;
      countHostages(draft, event.data.phase, event.data.hostages);
      return;
    }
    case 'pause.extended': {
      const account = draft.byPhase.findLast((a) => a.phase === event.data.phase);
      if (!account) return;
      account.days += event.data.days;
      account.extensions += 1;
      const terms = phaseTerms(draft, event.data.phase);
      const brought =
        event.data.hostages ??
        (terms?.extension ? event.data.days * terms.extension.hostagesPerDay : 0);
      if (account.hostagesNamed !== null) account.hostagesNamed += brought;
      return;
    }
    case 'aid.delivered': {
      const { region, trucks, fuelTrucks = 0 } = event.data;
      const aid = draft.aid;
      aid.trucks += trucks;
      aid.fuelTrucks += fuelTrucks;
      const byRegion = aid.byRegion;
      const r = Object.hasOwn(byRegion, region) ? byRegion[region] : undefined;
      if (r) {
        r.trucks += trucks;
        r.fuelTrucks += fuelTrucks;
      } else byRegion[region] = { trucks, fuelTrucks };
      return;
    }
    case 'violation.reported':
      draft.violations += 1;
      return;
    case 'phase.completed': {
      const account = draft.byPhase.findLast((a) => a.phase === event.data.phase);
      if (account) account.completed = true;
      return;
    }
    case 'hostages.counted':
      draft.hostages.held = { ...event.data.held };
      draft.hostages.releasedAtCount = releasedTotal(draft.hostages);
      return;
    case 'hostilities.resumed':
      for (const p of draft.proposals) {
        if (p.status === 'live' || p.status === 'accepted') p.status = 'lapsed';
      }
      return;
    case 'talks.suspended':
    case 'talks.resumed':
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`unhandled event ${(unreachable as TruceEvent).type}`);
    }
  }
}
