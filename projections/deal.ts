import { type Draft, freeze, produce } from 'immer';
import type { PhaseTerms, Terms, TruceEvent } from '../events/index.js';
import {
  type DecidedEvent,
  isDeceased,
  type ProposalStatus,
  resolutionOf,
} from '../machines/index.js';
import type { FlareUp, ObligationProgress } from './ceasefire.js';
import { type Stance, type StanceTerm, stanceOfTerms } from './stances.js';
import { summarizeTerms, type TermsSummary } from './summary.js';

/** A proposal as the projections show it. */
export interface ProposalView {
  proposalId: string;
  from: string;
  via: string[];
  to: string[];
  replaces: string | null;
  supersededBy: string | null;
  /** As the machine resolved it (one vocabulary: `ProposalStatus` of machines/). */
  status: ProposalStatus;
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
  term: StanceTerm;
  positions: Record<string, Stance['value'] | null>;
}

/** Per-phase accounting. */
export interface PhaseAccount {
  phase: number;
  proposalId: string;
  startedAt: string;
  completed: boolean;
  /** With extensions; null for an open-ended phase (no `days` in its terms). */
  days: number | null;
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
    /** Remains returned by the last count, and the released under the deal per category. */
    deceasedAtCount: number;
    byCategoryAtCount: Record<string, number>;
  };
  prisoners: { released: number; due: number; byCategory: Record<string, number> };
  /** Remains returned by the other side, and what the terms' ratio owes for the deceased returned. */
  remains: { returned: number; due: number };
  obligations: ObligationProgress[];
  flareUps: FlareUp[];
  /** A flare-up is open: the ceasefire has not been restored since. */
  strained: boolean;
  /** Violations reported, per party accused (`against`). */
  violationsAgainst: Record<string, number>;
  /** Each principal's latest statement on each term (proposal, acceptance of all, demand). */
  stances: Record<string, Partial<Record<StanceTerm, Stance>>>;
  demands: Array<{ seq: number; at: string; by: string; description: string }>;
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
  byPhase: [],
  terms: [],
  proposals: [],
  positions: {},
  violations: 0,
};

/**
 * Folds one event the machine took, with what the machine resolved of it, into the
 * projections. The machine decided legality, agreement, limits and what is owed; a projection
 * only adds up and records.
 *
 * @example
 * const p = decided.reduce(evolveDealProjection, initialDealProjection);
 */
export function evolveDealProjection(state: DealProjection, decided: DecidedEvent): DealProjection {
  return produce(state, (draft) => {
    applyEvent(draft, decided);
    draft.seq = decided.event.seq;
    draft.at = decided.event.at;
  });
}

/** Folds a batch of decided events with one immer `produce`, for replay's hot path. */
export function evolveDealProjectionMany(
  state: DealProjection,
  batch: readonly DecidedEvent[],
): DealProjection {
  const last = batch[batch.length - 1];
  if (last === undefined) return state;
  return produce(state, (draft) => {
    for (const decided of batch) applyEvent(draft, decided);
    // Every event sets them and none reads them: writing the last event's once per batch
    // spares two draft writes per event.
    draft.seq = last.event.seq;
    draft.at = last.event.at;
  });
}

function add(record: Record<string, number>, key: string, n: number): void {
  record[key] = (Object.hasOwn(record, key) ? (record[key] ?? 0) : 0) + n;
}

function releasedTotal(h: DealProjection['hostages']): number {
  return h.releasedAlive + h.bodiesReturned + h.releasedOutsideDeal;
}

function countHostages(
  draft: Draft<DealProjection>,
  account: Draft<PhaseAccount> | undefined,
  hostages: ReadonlyArray<{ category: string; count: number; deceased?: boolean | undefined }>,
  prisonersDue: number,
  resolved: { attempt: number; remainsDue: number },
  at: string,
): void {
  const counts = draft.hostages;
  let counted = 0;
  for (const h of hostages) {
    const deceased = isDeceased(h);
    if (deceased) counts.bodiesReturned += h.count;
    else counts.releasedAlive += h.count;
    add(counts.byCategory, h.category, h.count);
    counted += h.count;
    towardObligations(draft, resolved.attempt, deceased ? 'remains' : 'hostages', h, at);
  }
  draft.prisoners.due += prisonersDue;
  draft.remains.due += resolved.remainsDue;
  if (account) {
    account.hostagesReleased += counted;
    account.prisonersDue += prisonersDue;
  }
}

/** Folds one event, all but its `seq` and `at`, which the caller sets. */
function applyEvent(draft: Draft<DealProjection>, decided: DecidedEvent): void {
  const event = decided.event;
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
      const summary = freeze(summarizeTerms(d.terms));
      const { superseded } = resolutionOf(decided, 'proposal.sent');
      const old = superseded === null ? undefined : draft.proposals[superseded];
      if (old) {
        old.status = 'superseded';
        old.supersededBy = d.proposalId;
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
        summary,
        // Frozen: immer then never walks a new proposal's terms looking for drafts, which with
        // 100,000 proposals cost more than folding them. Terms are never changed.
        terms: freeze(d.terms, true),
      });
      if (draft.principals.includes(d.from)) {
        state(draft, d.from, stanceOfTerms(d.terms), 'proposal', d.proposalId, event);
        draft.positions[d.from] = freeze({
          ...summary,
          proposalId: d.proposalId,
          stance: 'proposed',
          phase: null,
          seq: event.seq,
          at: event.at,
        });
      }
      return;
    }
    case 'proposal.accepted':
    case 'phase.accepted': {
      const d = event.data;
      const resolved = resolutionOf(decided, event.type);
      const p = draft.proposals[resolved.proposal];
      if (!p) return;
      const phase = event.type === 'phase.accepted' ? event.data.phase : null;
      if (phase === null) p.acceptedBy[d.by] = 'all';
      else {
        const prior = Object.hasOwn(p.acceptedBy, d.by) ? p.acceptedBy[d.by] : undefined;
        if (Array.isArray(prior)) prior.push(phase);
        else if (prior !== 'all') p.acceptedBy[d.by] = [phase];
      }
      p.status = resolved.status;
      // Accepting one phase states no stance on the deal's whole terms (the end-of-war clause,
      // the length of the pause, …); accepting the whole proposal states them all.
      if (phase === null) {
        state(draft, d.by, stanceOfTerms(p.terms), 'acceptance', p.proposalId, event);
      }
      draft.positions[d.by] = freeze({
        ...p.summary,
        proposalId: p.proposalId,
        stance: phase === null ? 'accepted' : 'accepted-phase',
        phase,
        seq: event.seq,
        at: event.at,
      });
      return;
    }
    case 'proposal.rejected': {
      const resolved = resolutionOf(decided, 'proposal.rejected');
      const p = draft.proposals[resolved.proposal];
      if (p) {
        p.status = resolved.status;
        p.rejectedBy = event.data.by;
      }
      return;
    }
    case 'phase.started': {
      const resolved = resolutionOf(decided, 'phase.started');
      const { phase, terms } = resolved;
      draft.phase = phase;
      // Terms of the phases before this one stay; a restart after a collapse replaces the rest.
      while ((draft.terms[draft.terms.length - 1]?.phase ?? 0) >= phase) draft.terms.pop();
      draft.terms.push({
        ...terms,
        phase,
        proposalId: resolved.proposalId,
        permanentCeasefire: resolved.permanentCeasefire,
      });
      draft.byPhase[resolved.attempt] = {
        phase,
        proposalId: resolved.proposalId,
        startedAt: event.at,
        completed: false,
        days: terms.days ?? null,
        extensions: 0,
        hostagesNamed: resolved.hostagesNamed,
        hostagesReleased: 0,
        prisonersReleased: 0,
        prisonersDue: resolved.prisonersFixed,
      };
      draft.prisoners.due += resolved.prisonersFixed;
      for (const o of resolved.obligations) {
        draft.obligations.push({ ...o, attempt: resolved.attempt, fulfilled: 0, metAt: null });
      }
      return;
    }
    case 'release.completed': {
      const d = event.data;
      const resolved = resolutionOf(decided, 'release.completed');
      const account = draft.byPhase[resolved.attempt];
      countHostages(draft, account, d.hostages ?? [], resolved.prisonersDue, resolved, event.at);
      if (d.prisoners !== undefined && d.prisoners.length > 0) {
        const prisoners = draft.prisoners;
        for (const p of d.prisoners) {
          prisoners.released += p.count;
          add(prisoners.byCategory, p.category, p.count);
          if (account) account.prisonersReleased += p.count;
          towardObligations(draft, resolved.attempt, 'prisoners', p, event.at);
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
      const resolved = resolutionOf(decided, 'release.recounted');
      const moved = event.data.hostages.reduce((sum, h) => sum + h.count, 0);
      draft.hostages.releasedOutsideDeal -= moved;
      const account = draft.byPhase[resolved.attempt];
      countHostages(draft, account, event.data.hostages, resolved.prisonersDue, resolved, event.at);
      return;
    }
    case 'pause.extended': {
      const resolved = resolutionOf(decided, 'pause.extended');
      const account = draft.byPhase[resolved.attempt];
      if (!account) return;
      if (account.days !== null) account.days += event.data.days;
      account.extensions += 1;
      if (account.hostagesNamed !== null) account.hostagesNamed += resolved.hostages;
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
      if (event.data.against !== undefined) add(draft.violationsAgainst, event.data.against, 1);
      return;
    case 'flareup.reported': {
      const d = event.data;
      draft.flareUps.push({
        seq: event.seq,
        at: event.at,
        by: d.by,
        against: d.against ?? null,
        description: d.description,
        killed: d.killed ?? null,
        wounded: d.wounded ?? null,
        restoredAt: null,
      });
      draft.strained = true;
      return;
    }
    case 'ceasefire.restored':
      for (const f of draft.flareUps) if (f.restoredAt === null) f.restoredAt = event.at;
      draft.strained = false;
      return;
    case 'remains.returned':
      draft.remains.returned += event.data.count;
      return;
    case 'demand.stated': {
      const d = event.data;
      draft.demands.push({ seq: event.seq, at: event.at, by: d.by, description: d.description });
      if (d.terms) state(draft, d.by, stanceOfTerms(d.terms), 'demand', null, event);
      return;
    }
    case 'forces.withdrawn':
      for (const o of draft.obligations) {
        if (o.what === 'withdrawal' && o.party === event.data.by && o.line === event.data.line) {
          meet(o, 1, event.at);
        }
      }
      return;
    case 'talks.started':
      for (const o of draft.obligations) {
        if (o.what === 'talks' && o.talksOn === event.data.phase) meet(o, 1, event.at);
      }
      return;
    case 'phase.completed': {
      const account = draft.byPhase[resolutionOf(decided, 'phase.completed').attempt];
      if (account) account.completed = true;
      return;
    }
    case 'hostages.counted':
      draft.hostages.held = { ...event.data.held };
      draft.hostages.releasedAtCount = releasedTotal(draft.hostages);
      draft.hostages.deceasedAtCount = draft.hostages.bodiesReturned;
      draft.hostages.byCategoryAtCount = { ...draft.hostages.byCategory };
      return;
    case 'hostilities.resumed':
      draft.strained = false;
      for (const f of draft.flareUps) if (f.restoredAt === null) f.restoredAt = event.at;
      for (const order of resolutionOf(decided, 'hostilities.resumed').lapsed) {
        const p = draft.proposals[order];
        if (p) p.status = 'lapsed';
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

/** Counts `item` toward the open obligations of the phase attempt it belongs to. */
function towardObligations(
  draft: Draft<DealProjection>,
  attempt: number,
  what: 'hostages' | 'remains' | 'prisoners',
  item: { category: string; count: number },
  at: string,
): void {
  for (const o of draft.obligations) {
    if (o.attempt !== attempt || o.what !== what) continue;
    if (o.category !== null && o.category !== item.category) continue;
    meet(o, item.count, at);
  }
}

function meet(o: Draft<ObligationProgress>, n: number, at: string): void {
  o.fulfilled += n;
  if (o.metAt === null && o.fulfilled >= (o.count ?? 1)) o.metAt = at;
}

function state(
  draft: Draft<DealProjection>,
  party: string,
  terms: Partial<Record<StanceTerm, Stance['value'] | null | undefined>>,
  from: Stance['from'],
  proposalId: string | null,
  event: { seq: number; at: string },
): void {
  const stances = draft.stances[party] ?? {};
  draft.stances[party] = stances;
  for (const [term, value] of Object.entries(terms) as Array<[StanceTerm, Stance['value']]>) {
    if (value === null || value === undefined) continue;
    stances[term] = { value, from, proposalId, seq: event.seq, at: event.at };
  }
}
