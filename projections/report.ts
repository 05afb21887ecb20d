import type { PhaseTerms } from '../events/index.js';
import type {
  DealProjection,
  PhaseAccount,
  Position,
  ProposalView,
  StickingPoint,
} from './deal.js';
import type { TermsSummary } from './summary.js';

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
  };
  prisoners: { released: number; due: number; byCategory: Record<string, number> };
  aid: {
    trucks: number;
    fuelTrucks: number;
    byRegion: Record<string, { trucks: number; fuelTrucks: number }>;
  };
  pause: { days: number; extensions: number; day: number | null };
  terms: {
    permanentCeasefire: boolean;
    phases: Array<PhaseTerms & { phase: number; proposalId: string }>;
  } | null;
  proposals: Array<Omit<ProposalView, 'terms'> & { terms: ProposalView['terms'] }>;
  positions: Record<string, Position>;
  stickingPoints: StickingPoint[];
  violations: number;
}

const COMPARED: ReadonlyArray<keyof TermsSummary> = [
  'permanentCeasefire',
  'pauseDays',
  'phases',
  'hostages',
  'prisoners',
  'aidTrucksPerDay',
];

/** The terms on which the principals' latest positions differ. */
export function stickingPoints(
  principals: readonly string[],
  positions: Record<string, Position>,
): StickingPoint[] {
  const held = principals.filter((p) => Object.hasOwn(positions, p));
  if (held.length < 2) return [];
  const points: StickingPoint[] = [];
  for (const term of COMPARED) {
    const values: StickingPoint['positions'] = {};
    for (const party of held) values[party] = positions[party]?.[term] ?? null;
    const known = Object.values(values).filter((v) => v !== null);
    if (known.length < 2) continue;
    if (new Set(known).size > 1) points.push({ term, positions: values });
  }
  return points;
}

const DAY_MS = 86_400_000;

/**
 * The DESIGN §6 report from the projections and the machine's state. Pure: the same
 * inputs give the same object, key order included.
 */
export function toReport(p: DealProjection, status: MachineStatus): ReplayReport {
  const h = p.hostages;
  const releasedUnderDeal = h.releasedAlive + h.bodiesReturned;
  const releasedTotal = releasedUnderDeal + h.releasedOutsideDeal;
  const held = h.held ? Object.values(h.held).reduce((a, b) => a + b, 0) : null;
  const current = p.byPhase[p.byPhase.length - 1];
  const inPhase = status.state === 'inPhase' && current !== undefined;
  const day =
    inPhase && p.at !== null
      ? Math.max(1, Math.floor((Date.parse(p.at) - Date.parse(current.startedAt)) / DAY_MS) + 1)
      : null;
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
    },
    prisoners: p.prisoners,
    aid: p.aid,
    pause: {
      days: p.byPhase.reduce((sum, a) => sum + a.days, 0),
      extensions: p.byPhase.reduce((sum, a) => sum + a.extensions, 0),
      day,
    },
    terms: last
      ? {
          permanentCeasefire: last.permanentCeasefire,
          phases: p.terms.map(({ permanentCeasefire: _, ...phase }) => phase),
        }
      : null,
    proposals: p.proposals,
    positions: p.positions,
    stickingPoints: stickingPoints(p.principals, p.positions),
    violations: p.violations,
  };
}
