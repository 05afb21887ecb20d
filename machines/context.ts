import type { EventOf, PhaseTerms, Terms, TruceEvent } from '../events/index.js';
import { aidTermsOf } from './aid.js';
import { obligationsOf } from './obligations.js';
import type { Resolution } from './resolution.js';
import {
  emptyTable,
  type Table,
  tableDelete,
  tableEntries,
  tableGet,
  tableSet,
  tableSetAll,
  tableSize,
  tableSome,
} from './table.js';

/**
 * Where a proposal stands, the one vocabulary of truce: `live` (on the table), `accepted` (live,
 * and every principal accepted every phase), `rejected`, `superseded` (replaced by another), or
 * `lapsed` (live or accepted when fighting resumed: its acceptances bind no one any more).
 */
export type ProposalStatus = 'live' | 'accepted' | 'rejected' | 'superseded' | 'lapsed';

/** Whether a proposal in `status` is still on the table (`live` or `accepted`). */
export function isOpen(status: ProposalStatus): boolean {
  return status === 'live' || status === 'accepted';
}

/** A proposal as the machine tracks it: its terms and who accepted what. */
export interface ProposalRecord {
  proposalId: string;
  /** 0 for the first proposal of the log, 1 for the next, …: its place in the report. */
  order: number;
  from: string;
  terms: Terms;
  /** When it was sent: an answer cannot come before. */
  sentAt: string;
  status: ProposalStatus;
  /** Principals that accepted the whole proposal. */
  acceptedAll: string[];
  /** Phases accepted one by one: key `party phase` (a space between). */
  acceptedPhases: Table<true>;
  /** Per phase, the principals that accepted it one by one and not (yet) the whole proposal. */
  phaseVotes: Table<number>;
}

/** The phase in force: its terms and what has been counted against them. */
export interface PhaseInProgress {
  phase: number;
  /** Which start of a phase this is, from 0: the report's `byPhase` entry it counts toward. */
  attempt: number;
  /** When it started: its releases, extensions and completion cannot come before. */
  startedAt: string;
  proposalId: string;
  terms: PhaseTerms;
  /** Hostages the terms name per category; null for a category named without a count. */
  named: Table<number | null>;
  /** Hostages the terms name in all; null when a category is named without a count. */
  namedTotal: number | null;
  /** Prisoners owed per hostage counted, per category the exchange names. */
  ratios: Table<number>;
  /** Hostages counted under the deal, per category (releases and recounts), and in all. */
  released: Table<number>;
  releasedTotal: number;
  /** Deceased hostages counted under the deal: what the other side's remains are owed for. */
  deceasedReleased: number;
  extensionDays: number;
  extensionHostages: number;
}

/** Everything the deal statechart needs to judge the next event. JSON-serialisable. */
export interface DealContext {
  seq: number;
  at: string | null;
  parties: Record<string, { name: string; role: 'principal' | 'mediator' | 'third-party' }>;
  principals: string[];
  /** Every proposal of the log, by id. */
  proposals: Table<ProposalRecord>;
  /** Open (live or accepted) proposals: id → order. */
  open: Table<number>;
  /** Open proposals by their count of phases: how many. */
  openByLength: Table<number>;
  /** Per phase number, the open proposals every principal accepted it from: id → order. */
  agreed: Table<Table<number>>;
  /** The last phase started (0 before any). */
  phase: number;
  /** Phases started so far, over every deal of the log. */
  attempts: number;
  /** The last phase completed of the deal in force (0 before any, and again after a collapse). */
  completedPhases: number;
  inProgress: PhaseInProgress | null;
  /**
   * The last phase of a deal concluded with a permanent ceasefire: late remains of deceased
   * hostages still count toward it (null unless concluded).
   */
  concludedPhase: PhaseInProgress | null;
  /** A completed phase's pause still holds while talks go on. */
  pauseHolding: boolean;
  /** The deal concluded with a permanent ceasefire. */
  concluded: boolean;
  /** A flare-up inside the ceasefire, not yet followed by its restoration. */
  strained: boolean;
  /** Hostages released outside the deal and not yet recounted under it. */
  outsideNotRecounted: number;
  /** What the machine resolved for the last event it took (null for one that settles nothing). */
  resolution: Resolution | null;
}

/** The context before `negotiation.opened`. */
export const initialDealContext: DealContext = {
  seq: 0,
  at: null,
  parties: {},
  principals: [],
  proposals: emptyTable(),
  open: emptyTable(),
  openByLength: emptyTable(),
  agreed: emptyTable(),
  phase: 0,
  attempts: 0,
  completedPhases: 0,
  inProgress: null,
  concludedPhase: null,
  pauseHolding: false,
  concluded: false,
  strained: false,
  outsideNotRecounted: 0,
  resolution: null,
};

/** The record of a proposal by id, if the log has one. */
export function findProposal(ctx: DealContext, proposalId: string): ProposalRecord | undefined {
  return tableGet(ctx.proposals, proposalId);
}

/** Every proposal of the log, in the order they were sent. */
export function listProposals(ctx: DealContext): ProposalRecord[] {
  const list: ProposalRecord[] = [];
  for (const [, p] of tableEntries(ctx.proposals)) list[p.order] = p;
  return list;
}

/** Whether `party` has accepted `phase` of `proposal` (as a phase or with the whole proposal). */
export function hasAccepted(proposal: ProposalRecord, party: string, phase: number): boolean {
  if (proposal.acceptedAll.includes(party)) return true;
  return tableGet(proposal.acceptedPhases, `${party} ${phase}`) === true;
}

/**
 * Whether every principal has accepted `phase` of `proposal`: a phase the proposal has (the rules
 * refuse an acceptance of any other).
 */
function agreedOn(ctx: DealContext, proposal: ProposalRecord, phase: number): boolean {
  const votes = proposal.acceptedAll.length + (tableGet(proposal.phaseVotes, String(phase)) ?? 0);
  return votes === ctx.principals.length;
}

/** The phases every principal has accepted of `proposal`, in no particular order. */
function agreedPhases(ctx: DealContext, proposal: ProposalRecord): number[] {
  const length = proposal.terms.phases.length;
  if (proposal.acceptedAll.length === ctx.principals.length) {
    return Array.from({ length }, (_, i) => i + 1);
  }
  const phases: number[] = [];
  for (const [key] of tableEntries(proposal.phaseVotes)) {
    if (agreedOn(ctx, proposal, Number(key))) phases.push(Number(key));
  }
  return phases;
}

/** The open proposal whose `phase` every principal has accepted (the first sent), if any. */
export function agreedProposalFor(ctx: DealContext, phase: number): ProposalRecord | undefined {
  const agreed = tableGet(ctx.agreed, String(phase)) ?? emptyTable<number>();
  let first: string | undefined;
  let firstOrder = Number.POSITIVE_INFINITY;
  for (const [id, order] of tableEntries(agreed)) {
    if (order < firstOrder) {
      first = id;
      firstOrder = order;
    }
  }
  return first === undefined ? undefined : findProposal(ctx, first);
}

/** Whether some open proposal has every principal's acceptance of `phase`. */
export function phaseAgreed(ctx: DealContext, phase: number): boolean {
  // A phase's table of agreeing proposals is dropped when it empties (`markAgreed`).
  return tableGet(ctx.agreed, String(phase)) !== undefined;
}

/** The phase the talks are about: the one after the last completed. */
export function nextPhase(ctx: DealContext): number {
  return ctx.completedPhases + 1;
}

/** Whether an open proposal has terms for the next phase. */
export function proposalOnTable(ctx: DealContext): boolean {
  const next = nextPhase(ctx);
  // A length no open proposal has any more is dropped from the table (`countOpen`).
  return tableSome(ctx.openByLength, (length) => Number(length) >= next);
}

/** Hostages the phase's terms name per category (null: no count stated), and in all. */
function namedByCategory(terms: PhaseTerms): { named: Table<number | null>; total: number | null } {
  const named = new Map<string, number | null>();
  let sum: number | null = 0;
  for (const h of terms.hostages) {
    const prior = named.get(h.category);
    const open = prior === null || h.count === undefined;
    named.set(h.category, open ? null : (prior ?? 0) + (h.count ?? 0));
    sum = sum === null || h.count === undefined ? null : sum + h.count;
  }
  return { named: tableSetAll(emptyTable(), named), total: sum };
}

/**
 * Hostages the phase's terms name per category (undefined: no count stated), and in all
 * (undefined when a count is left open): the limits the machine counts releases against.
 */
export function phaseAllowance(terms: PhaseTerms): {
  base: Record<string, number | undefined>;
  baseTotal: number | undefined;
} {
  const { named, total: sum } = namedByCategory(terms);
  const base = Object.fromEntries(
    [...tableEntries(named)].map(([category, count]) => [category, count ?? undefined]),
  );
  return { base, baseTotal: sum ?? undefined };
}

/** Hostages a phase names in all, or null when a category's count is left open. */
export function namedHostages(terms: PhaseTerms): number | null {
  // The total of namedByCategory, without building its table: summaries ask it per proposal.
  let sum = 0;
  for (const h of terms.hostages) {
    if (h.count === undefined) return null;
    sum += h.count;
  }
  return sum;
}

/** Prisoners owed per counted hostage, per category the exchange names (the first entry wins). */
export function exchangeRatios(terms: PhaseTerms): Table<number> {
  const ratios = new Map<string, number>();
  for (const e of terms.exchange ?? []) {
    if (!ratios.has(e.category)) ratios.set(e.category, e.prisonersPerHostage);
  }
  return tableSetAll(emptyTable(), ratios);
}

/**
 * The prisoners one counted hostage of `category` is owed under `terms`: the exchange's ratio
 * for it, else the extension rule's, else 0. `ratios` are the terms' {@link exchangeRatios},
 * kept by the phase in progress so a release of many categories looks each up once.
 */
export function prisonersPerHostage(
  terms: PhaseTerms,
  category: string,
  ratios: Table<number> = exchangeRatios(terms),
): number {
  return tableGet(ratios, category) ?? terms.extension?.prisonersPerHostage ?? 0;
}

/**
 * What `ratio` per hostage owes for `count` hostages, whole: the product rounded half up. The
 * product is taken to 15 significant digits first, so a ratio written in decimals rounds as
 * written: 0.7 × 45 is 31.5 and owes 32 (in binary floating point it is 31.499999999999996).
 *
 * @example
 * wholeDue(3.2, 3); // 10
 */
export function wholeDue(ratio: number, count: number): number {
  const product = ratio * count;
  // Whole ratios (3 per hostage, 30, 50) give a whole product, which below 10^15 has at most
  // 15 significant digits: nothing to round, and no need to print it (a replay asks this twice
  // per category released). Zero is 0, never -0.
  if (product === 0) return 0;
  if (Number.isInteger(product) && Math.abs(product) < 1e15) return product;
  return Math.round(Number(product.toPrecision(15)));
}

/** Whether a released hostage is counted as remains returned: `deceased`, or category `bodies`. */
export function isDeceased(h: { category: string; deceased?: boolean | undefined }): boolean {
  return h.deceased === true || h.category === 'bodies';
}

/** Whether a ceasefire holds: a phase in progress, a completed phase's pause, or a permanent one. */
export function ceasefireHolds(ctx: DealContext): boolean {
  return ctx.inProgress !== null || ctx.pauseHolding || ctx.concluded;
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

/** Hostages an extension brings: as stated, else what the phase's rule gives for its days. */
export function extensionHostages(terms: PhaseTerms, event: EventOf<'pause.extended'>): number {
  if (event.data.hostages !== undefined) return event.data.hostages;
  return terms.extension ? event.data.days * terms.extension.hostagesPerDay : 0;
}

/** Whether completing phase `phase` of the proposal in force concludes the deal. */
export function concludesDeal(ctx: DealContext, phase: number): boolean {
  const progress = ctx.inProgress;
  const proposal = progress ? findProposal(ctx, progress.proposalId) : undefined;
  return proposal?.terms.permanentCeasefire === true && proposal.terms.phases.length === phase;
}

/**
 * The context after a legal event, with the machine's {@link Resolution} of it: every fact the
 * rules establish (the proposal and phase attempt in force, what a release counts toward and
 * owes, what an extension brings, which proposals lapse) is computed here once, for the
 * projections to fold. Pure: `ctx` is never changed, and a new context shares what did not
 * change (a proposal update copies O(log n) table nodes). Legality was checked before.
 */
export function evolveDealContext(ctx: DealContext, event: TruceEvent): DealContext {
  const next = copyContext(ctx, event.seq, event.at);
  switch (event.type) {
    case 'negotiation.opened': {
      // Taken once, first: there are no parties before it.
      const parties: DealContext['parties'] = {};
      const principals: string[] = [];
      for (const p of event.data.parties) {
        parties[p.id] = { name: p.name, role: p.role };
        if (p.role === 'principal') principals.push(p.id);
      }
      next.parties = parties;
      next.principals = principals;
      return next;
    }
    case 'proposal.sent': {
      const { proposalId, from, terms, replaces } = event.data;
      let superseded: number | null = null;
      const old = replaces === undefined ? undefined : findProposal(next, replaces);
      if (old) {
        superseded = old.order;
        close(next, old, 'superseded');
      }
      const order = tableSize(next.proposals);
      const record: ProposalRecord = {
        proposalId,
        order,
        from,
        terms,
        sentAt: event.at,
        status: 'live',
        acceptedAll: [],
        acceptedPhases: emptyTable(),
        phaseVotes: emptyTable(),
      };
      next.proposals = tableSet(next.proposals, proposalId, record);
      countOpen(next, record, 1);
      next.resolution = { type: 'proposal.sent', proposal: order, superseded };
      return next;
    }
    case 'proposal.accepted':
    case 'phase.accepted': {
      const p = findProposal(next, event.data.proposalId);
      if (!p) return next;
      const by = event.data.by;
      let updated: ProposalRecord;
      if (event.type === 'proposal.accepted') {
        // The phases `by` accepted one by one now count through the whole acceptance.
        let phaseVotes = p.phaseVotes;
        for (const [key, votes] of tableEntries(p.phaseVotes)) {
          if (tableGet(p.acceptedPhases, `${by} ${key}`)) {
            phaseVotes = tableSet(phaseVotes, key, votes - 1);
          }
        }
        updated = { ...p, acceptedAll: [...p.acceptedAll, by], phaseVotes };
      } else {
        const phase = String(event.data.phase);
        const counted = p.acceptedAll.includes(by);
        updated = {
          ...p,
          acceptedPhases: tableSet(p.acceptedPhases, `${by} ${phase}`, true),
          phaseVotes: counted
            ? p.phaseVotes
            : tableSet(p.phaseVotes, phase, (tableGet(p.phaseVotes, phase) ?? 0) + 1),
        };
      }
      // Marking a phase agreed again is harmless: the proposal's entry is set to the same order.
      const phases = agreedPhases(next, updated);
      for (const phase of phases) markAgreed(next, updated, phase, true);
      if (phases.length === updated.terms.phases.length) {
        updated = { ...updated, status: 'accepted' };
      }
      next.proposals = tableSet(next.proposals, updated.proposalId, updated);
      next.resolution = { type: event.type, proposal: updated.order, status: updated.status };
      return next;
    }
    case 'proposal.rejected': {
      const p = findProposal(next, event.data.proposalId);
      if (!p) return next;
      close(next, p, 'rejected');
      next.resolution = { type: 'proposal.rejected', proposal: p.order, status: 'rejected' };
      return next;
    }
    case 'phase.started': {
      const phase = event.data.phase;
      const agreed = agreedProposalFor(next, phase);
      const terms = agreed?.terms.phases[phase - 1];
      if (!agreed || !terms) return next;
      const { named, total: baseTotal } = namedByCategory(terms);
      const attempt = next.attempts;
      next.phase = phase;
      next.attempts = attempt + 1;
      next.pauseHolding = false;
      next.inProgress = {
        phase,
        attempt,
        startedAt: event.at,
        proposalId: agreed.proposalId,
        terms,
        named,
        namedTotal: baseTotal,
        ratios: exchangeRatios(terms),
        released: emptyTable(),
        releasedTotal: 0,
        deceasedReleased: 0,
        extensionDays: 0,
        extensionHostages: 0,
      };
      next.resolution = {
        type: 'phase.started',
        phase,
        attempt,
        proposal: agreed.order,
        proposalId: agreed.proposalId,
        terms,
        permanentCeasefire: agreed.terms.permanentCeasefire,
        hostagesNamed: baseTotal,
        prisonersFixed: total(terms.prisonerTotals),
        obligations: obligationsOf(phase, terms, event.at),
        aid: aidTermsOf(terms),
      };
      return next;
    }
    case 'release.completed':
    case 'release.recounted': {
      const hostages = event.data.hostages ?? [];
      const moved = total(hostages);
      if (event.type === 'release.completed') {
        next.outsideNotRecounted += total(event.data.outsideDeal);
      } else next.outsideNotRecounted -= moved;
      // After a permanent ceasefire, late remains count toward the deal's last phase.
      const late = next.inProgress === null;
      const progress = next.inProgress ?? next.concludedPhase;
      if (!progress) return next;
      // Due is whole: ratio × hostages counted so far per category, rounded half up, so a
      // fractional ratio owes the same however the releases are split.
      const { released, prisonersDue, deceased } = countReleased(progress, hostages);
      const remainsRatio = progress.terms.remainsPerDeceasedHostage ?? 0;
      const remainsDue =
        wholeDue(remainsRatio, progress.deceasedReleased + deceased) -
        wholeDue(remainsRatio, progress.deceasedReleased);
      const counted = copyProgress(progress);
      counted.released = released;
      counted.releasedTotal = progress.releasedTotal + moved;
      counted.deceasedReleased = progress.deceasedReleased + deceased;
      if (late) next.concludedPhase = counted;
      else next.inProgress = counted;
      next.resolution = { type: event.type, attempt: progress.attempt, prisonersDue, remainsDue };
      return next;
    }
    case 'pause.extended': {
      const progress = next.inProgress;
      if (!progress) return next;
      const hostages = extensionHostages(progress.terms, event);
      const extended = copyProgress(progress);
      extended.extensionDays = progress.extensionDays + event.data.days;
      extended.extensionHostages = progress.extensionHostages + hostages;
      next.inProgress = extended;
      next.resolution = { type: 'pause.extended', attempt: progress.attempt, hostages };
      return next;
    }
    case 'phase.completed': {
      // The phase in progress is the last started: its attempt is the last counted.
      const attempt = next.attempts - 1;
      const concluded = concludesDeal(next, event.data.phase);
      next.completedPhases = event.data.phase;
      next.concludedPhase = concluded ? next.inProgress : null;
      next.inProgress = null;
      next.pauseHolding = true;
      next.concluded = concluded;
      next.resolution = { type: 'phase.completed', attempt, concluded };
      return next;
    }
    case 'hostilities.resumed': {
      // A collapse ends the deal: its proposals lapse, and the next agreement starts again at
      // phase 1 (a new deal spells out its own phases).
      const ended = next.inProgress?.attempt ?? null;
      next.inProgress = null;
      next.pauseHolding = false;
      next.strained = false;
      next.completedPhases = 0;
      // Each proposal lapses at most once: the work stays linear over a log.
      const lapsed: number[] = [];
      for (const [id] of [...tableEntries(next.open)]) {
        const p = findProposal(next, id);
        if (!p) continue;
        close(next, p, 'lapsed');
        lapsed.push(p.order);
      }
      next.resolution = {
        type: 'hostilities.resumed',
        lapsed: lapsed.sort((a, b) => a - b),
        ended,
      };
      return next;
    }
    case 'flareup.reported':
      next.strained = true;
      return next;
    case 'ceasefire.restored':
      next.strained = false;
      return next;
    case 'aid.delivered': {
      // Aid counts toward the phase in force, unless the report names another phase.
      const progress = next.inProgress;
      const named = event.data.phase;
      const attempt =
        progress && (named === undefined || named === progress.phase) ? progress.attempt : null;
      next.resolution = { type: 'aid.delivered', attempt };
      return next;
    }
    case 'violation.reported':
    case 'talks.suspended':
    case 'talks.resumed':
    case 'hostages.counted':
    case 'remains.returned':
    case 'demand.stated':
    case 'forces.withdrawn':
    case 'talks.started':
      return next;
    default: {
      const unreachable: never = event;
      throw new Error(`unhandled event ${(unreachable as TruceEvent).type}`);
    }
  }
}

/**
 * The hostages a release counts under the deal, added to `progress.released` per category, with
 * the prisoners they owe (per category: what its whole count owes now less what it owed before)
 * and how many of them are deceased.
 */
function countReleased(
  progress: PhaseInProgress,
  hostages: ReadonlyArray<{ category: string; count: number; deceased?: boolean | undefined }>,
): { released: Table<number>; prisonersDue: number; deceased: number } {
  // A release names one category or none in nearly every line: counted without the two maps
  // below, which were most of what the machine allocated for a release.
  if (hostages.length === 0) return { released: progress.released, prisonersDue: 0, deceased: 0 };
  let prisonersDue = 0;
  let deceased = 0;
  const only = hostages.length === 1 ? hostages[0] : undefined;
  if (only !== undefined) {
    const prior = tableGet(progress.released, only.category) ?? 0;
    const ratio = prisonersPerHostage(progress.terms, only.category, progress.ratios);
    prisonersDue += wholeDue(ratio, prior + only.count) - wholeDue(ratio, prior);
    if (isDeceased(only)) deceased += only.count;
    const released = tableSet(progress.released, only.category, prior + only.count);
    return { released, prisonersDue, deceased };
  }
  const counts = new Map<string, number>();
  const before = new Map<string, number>();
  for (const h of hostages) {
    const prior = counts.get(h.category) ?? tableGet(progress.released, h.category) ?? 0;
    if (!before.has(h.category)) before.set(h.category, prior);
    counts.set(h.category, prior + h.count);
    if (isDeceased(h)) deceased += h.count;
  }
  for (const [category, after] of counts) {
    const ratio = prisonersPerHostage(progress.terms, category, progress.ratios);
    prisonersDue += wholeDue(ratio, after) - wholeDue(ratio, before.get(category) ?? 0);
  }
  return { released: tableSetAll(progress.released, counts), prisonersDue, deceased };
}

/**
 * A copy of `ctx` for the event with `seq` and `at`, its resolution not yet known. Written out
 * field by field, in {@link initialDealContext}'s order: V8 copies an object built by a spread
 * of another spread ten times slower than one built by a literal, and the context is copied at
 * every event.
 */
function copyContext(ctx: DealContext, seq: number, at: string): DealContext {
  return {
    seq,
    at,
    parties: ctx.parties,
    principals: ctx.principals,
    proposals: ctx.proposals,
    open: ctx.open,
    openByLength: ctx.openByLength,
    agreed: ctx.agreed,
    phase: ctx.phase,
    attempts: ctx.attempts,
    completedPhases: ctx.completedPhases,
    inProgress: ctx.inProgress,
    concludedPhase: ctx.concludedPhase,
    pauseHolding: ctx.pauseHolding,
    concluded: ctx.concluded,
    strained: ctx.strained,
    outsideNotRecounted: ctx.outsideNotRecounted,
    resolution: null,
  };
}

/** A copy of the phase in progress, field by field in the order it is made (see {@link copyContext}). */
function copyProgress(p: PhaseInProgress): PhaseInProgress {
  return {
    phase: p.phase,
    attempt: p.attempt,
    startedAt: p.startedAt,
    proposalId: p.proposalId,
    terms: p.terms,
    named: p.named,
    namedTotal: p.namedTotal,
    ratios: p.ratios,
    released: p.released,
    releasedTotal: p.releasedTotal,
    deceasedReleased: p.deceasedReleased,
    extensionDays: p.extensionDays,
    extensionHostages: p.extensionHostages,
  };
}

/** Takes `p` off the table with `status`, out of every index of open proposals. Mutates `next`. */
function close(next: DealContext, p: ProposalRecord, status: ProposalStatus): void {
  if (isOpen(p.status)) {
    countOpen(next, p, -1);
    for (const phase of agreedPhases(next, p)) markAgreed(next, p, phase, false);
  }
  next.proposals = tableSet(next.proposals, p.proposalId, {
    ...p,
    status,
    ...(status === 'superseded'
      ? { acceptedAll: [], acceptedPhases: emptyTable(), phaseVotes: emptyTable() }
      : {}),
  });
}

function countOpen(next: DealContext, p: ProposalRecord, by: 1 | -1): void {
  next.open =
    by === 1 ? tableSet(next.open, p.proposalId, p.order) : tableDelete(next.open, p.proposalId);
  const key = String(p.terms.phases.length);
  const count = (tableGet(next.openByLength, key) ?? 0) + by;
  next.openByLength =
    count === 0 ? tableDelete(next.openByLength, key) : tableSet(next.openByLength, key, count);
}

function markAgreed(next: DealContext, p: ProposalRecord, phase: number, on: boolean): void {
  const key = String(phase);
  const prior = tableGet(next.agreed, key) ?? emptyTable<number>();
  const updated = on ? tableSet(prior, p.proposalId, p.order) : tableDelete(prior, p.proposalId);
  next.agreed =
    tableSize(updated) === 0 ? tableDelete(next.agreed, key) : tableSet(next.agreed, key, updated);
}
