import type { PhaseTerms } from '../events/index.js';
import { aidDaysOwed, dayOf } from '../machines/index.js';
import { type FlareUp, type ObligationView, obligationStatus } from './ceasefire.js';
import type {
  DealProjection,
  PhaseAccount,
  Position,
  ProposalView,
  StickingPoint,
} from './deal.js';
import { STANCE_TERMS, type Stance, type StanceTerm } from './stances.js';

/** What the machine says of the deal, which projections do not decide themselves. */
export interface MachineStatus {
  /** Dotted state path, e.g. `negotiating.proposalOnTable`. */
  state: string;
}

/** The object `truce replay --json` prints (DESIGN §6); these keys are stable. */
export interface ReplayReport {
  seq: number;
  at: string | null;
  state: string;
  phase: number;
  title: string | null;
  hostages: {
    releasedUnderDeal: number;
    releasedAlive: number;
    bodiesReturned: number;
    releasedOutsideDeal: number;
    releasedTotal: number;
    held: number | null;
    remaining: number | null;
    byCategory: Record<string, number>;
    outsideDealByGroup: Record<string, number>;
    byPhase: PhaseAccount[];
    /**
     * Still held, from the last count: alive and deceased (held under category `bodies`), and
     * per category where every release since the count names a counted category (else null);
     * null without a count.
     */
    stillHeld: {
      alive: number;
      deceased: number;
      byCategory: Record<string, number> | null;
    } | null;
  };
  prisoners: {
    released: number;
    due: number;
    byCategory: Record<string, number>;
    /** Released beyond what is due (ratios and fixed lists): reported, never silent. */
    beyondDue: number;
  };
  /** Remains returned by the other side, and due by the terms' ratio per deceased hostage. */
  remains: { returned: number; due: number };
  /** Every obligation of the phases started, with its status at the as-of instant. */
  obligations: ObligationView[];
  /** The instant obligations and the pause day are evaluated at. */
  asOf: string | null;
  ceasefire: { strained: boolean; flareUps: number };
  flareUps: FlareUp[];
  violationsAgainst: Record<string, number>;
  /** Each principal's latest statement on each term. */
  stances: Record<string, Partial<Record<StanceTerm, Stance>>>;
  demands: DealProjection['demands'];
  aid: {
    trucks: number;
    fuelTrucks: number;
    byRegion: Record<string, { trucks: number; fuelTrucks: number }>;
    /** Per phase started and region its terms owe aid to: owed at the as-of instant and delivered. */
    due: AidDue[];
  };
  pause: { days: number | null; extensions: number; day: number | null; openEnded: boolean };
  terms: {
    permanentCeasefire: boolean;
    phases: Array<PhaseTerms & { phase: number; proposalId: string }>;
  } | null;
  proposals: Array<Omit<ProposalView, 'terms'> & { terms: ProposalView['terms'] }>;
  positions: Record<string, Position>;
  stickingPoints: StickingPoint[];
  violations: number;
}

/** Aid a phase's terms owe one region (`aidByRegion`), owed at the as-of instant, and delivered. */
export interface AidDue {
  phase: number;
  region: string;
  trucksPerDay: number | null;
  fuelTrucksPerDay: number | null;
  /** Days of the phase begun by the as-of instant, up to its end and its planned days. */
  days: number;
  /** trucksPerDay × days; null where the terms give no figure. */
  trucksDue: number | null;
  fuelTrucksDue: number | null;
  /** Delivered to the region while the phase was in force. */
  trucks: number;
  fuelTrucks: number;
}

const COMPARED: readonly StanceTerm[] = STANCE_TERMS;

/**
 * The terms on which the principals' latest stances differ: per term, each principal's latest
 * statement of it (its own proposal, its acceptance of a whole proposal, a public demand), where
 * at least two principals stated it. Accepting one phase states no stance on the whole deal.
 */
export function stickingPoints(
  principals: readonly string[],
  stances: Record<string, Partial<Record<StanceTerm, Stance>>>,
): StickingPoint[] {
  const held = principals.filter((p) => Object.hasOwn(stances, p));
  const points: StickingPoint[] = [];
  for (const term of COMPARED) {
    const values: StickingPoint['positions'] = {};
    for (const party of held) values[party] = stances[party]?.[term]?.value ?? null;
    // Two values that differ need two principals who stated the term.
    const known = Object.values(values).filter((v) => v !== null);
    if (new Set(known).size > 1) points.push({ term, positions: values });
  }
  return points;
}

/** Options of {@link toReport}. */
export interface ReportOptions {
  /** The instant obligations and the pause day are evaluated at; the last event's by default. */
  asOf?: string | null;
}

/**
 * The DESIGN §6 report from the projections and the machine's state. Pure: the same
 * inputs give the same object, key order included.
 */
export function toReport(
  p: DealProjection,
  status: MachineStatus,
  options: ReportOptions = {},
): ReplayReport {
  const asOf = options.asOf ?? p.at;
  const h = p.hostages;
  const releasedUnderDeal = h.releasedAlive + h.bodiesReturned;
  const releasedTotal = releasedUnderDeal + h.releasedOutsideDeal;
  const held = h.held ? Object.values(h.held).reduce((a, b) => a + b, 0) : null;
  const current = p.byPhase[p.byPhase.length - 1];
  const inPhase = status.state === 'inPhase' && current !== undefined;
  const day = inPhase && asOf !== null ? Math.max(1, dayOf(current.startedAt, asOf)) : null;
  const last = p.terms[p.terms.length - 1];
  return {
    seq: p.seq,
    at: p.at,
    state: status.state,
    phase: p.phase,
    title: p.title,
    hostages: {
      releasedUnderDeal,
      releasedAlive: h.releasedAlive,
      bodiesReturned: h.bodiesReturned,
      releasedOutsideDeal: h.releasedOutsideDeal,
      releasedTotal,
      held,
      remaining: held === null ? null : Math.max(0, held - (releasedTotal - h.releasedAtCount)),
      byCategory: h.byCategory,
      outsideDealByGroup: h.outsideDealByGroup,
      byPhase: p.byPhase,
      stillHeld: stillHeld(h),
    },
    prisoners: { ...p.prisoners, beyondDue: Math.max(0, p.prisoners.released - p.prisoners.due) },
    aid: { ...p.aid, due: aidDue(p, asOf) },
    pause: {
      days: p.byPhase.reduce<number | null>(
        (sum, a) => (sum === null || a.days === null ? null : sum + a.days),
        0,
      ),
      extensions: p.byPhase.reduce((sum, a) => sum + a.extensions, 0),
      day,
      openEnded: current !== undefined && current.days === null,
    },
    terms: last
      ? {
          permanentCeasefire: last.permanentCeasefire,
          phases: p.terms.map(({ permanentCeasefire: _, ...phase }) => phase),
        }
      : null,
    proposals: p.proposals,
    positions: p.positions,
    stickingPoints: stickingPoints(p.principals, p.stances),
    violations: p.violations,
    remains: p.remains,
    obligations: p.obligations.map((o) => ({ ...o, status: obligationStatus(o, asOf) })),
    asOf,
    ceasefire: { strained: p.strained, flareUps: p.flareUps.length },
    flareUps: p.flareUps,
    violationsAgainst: p.violationsAgainst,
    stances: p.stances,
    demands: p.demands,
  };
}

function aidDue(p: DealProjection, asOf: string | null): AidDue[] {
  return p.aidOwed.map((owed) => {
    // The phase's days with extensions, as its account counts them.
    const window = { ...owed, days: p.byPhase[owed.attempt]?.days ?? null };
    const days = asOf === null ? 0 : aidDaysOwed(window, asOf);
    return {
      phase: owed.phase,
      region: owed.region,
      trucksPerDay: owed.trucksPerDay,
      fuelTrucksPerDay: owed.fuelTrucksPerDay,
      days,
      trucksDue: owed.trucksPerDay === null ? null : owed.trucksPerDay * days,
      fuelTrucksDue: owed.fuelTrucksPerDay === null ? null : owed.fuelTrucksPerDay * days,
      trucks: owed.trucks,
      fuelTrucks: owed.fuelTrucks,
    };
  });
}

function stillHeld(h: DealProjection['hostages']): ReplayReport['hostages']['stillHeld'] {
  if (h.held === null) return null;
  let heldAlive = 0;
  let heldDeceased = 0;
  const byCategory: Record<string, number> = {};
  for (const [category, count] of Object.entries(h.held)) {
    if (category === 'bodies') heldDeceased += count;
    else heldAlive += count;
    const since =
      (Object.hasOwn(h.byCategory, category) ? (h.byCategory[category] ?? 0) : 0) -
      (Object.hasOwn(h.byCategoryAtCount, category) ? (h.byCategoryAtCount[category] ?? 0) : 0);
    byCategory[category] = Math.max(0, count - since);
  }
  // Per category only where the counts speak the same words: everything released since the count
  // was counted under the deal in a category the count names.
  let matched = 0;
  for (const category of Object.keys(byCategory)) {
    matched +=
      (Object.hasOwn(h.byCategory, category) ? (h.byCategory[category] ?? 0) : 0) -
      (Object.hasOwn(h.byCategoryAtCount, category) ? (h.byCategoryAtCount[category] ?? 0) : 0);
  }
  const releasedSince =
    h.releasedAlive + h.bodiesReturned + h.releasedOutsideDeal - h.releasedAtCount;
  const deceasedSince = h.bodiesReturned - h.deceasedAtCount;
  return {
    alive: Math.max(0, heldAlive - (releasedSince - deceasedSince)),
    deceased: Math.max(0, heldDeceased - deceasedSince),
    byCategory: matched === releasedSince ? byCategory : null,
  };
}
