import type { PhaseTerms, TruceEvent } from '../../../events/index.js';
import {
  acceptedBy,
  broughtBy,
  DealModel,
  type ModelProposal,
  ownValue,
} from '../../../testing/generator/dealModel.js';

/** One phase attempt's account, as "The JSON report" describes `hostages.byPhase`. */
export interface ExpectedPhase {
  phase: number;
  proposalId: string;
  startedAt: string;
  completed: boolean;
  days: number | null;
  extensions: number;
  hostagesNamed: number | null;
  hostagesReleased: number;
  prisonersReleased: number;
  prisonersDue: number;
}

/** The figures of `truce replay --json` the oracle computes from the raw events. */
export interface ExpectedFigures {
  seq: number;
  at: string | null;
  state: string;
  phase: number;
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
    byPhase: ExpectedPhase[];
  };
  prisoners: { released: number; due: number; byCategory: Record<string, number> };
  aid: {
    trucks: number;
    fuelTrucks: number;
    byRegion: Record<string, { trucks: number; fuelTrucks: number }>;
  };
  pause: { days: number | null; extensions: number; day: number | null };
  proposals: Array<{ proposalId: string; status: string }>;
  violations: number;
}

/**
 * "`prisoners.due` = Σ over hostages counted under the deal of their category's
 * `exchange[].prisonersPerHostage`, falling back to the extension rule's, else 0."
 */
export function ratioFor(terms: PhaseTerms, category: string): number {
  for (const e of terms.exchange ?? []) {
    if (e.category === category) return e.prisonersPerHostage;
  }
  return terms.extension?.prisonersPerHostage ?? 0;
}

const DAY_MS = 86_400_000;

function add(record: Record<string, number>, key: string, n: number): void {
  record[key] = (ownValue(record, key) ?? 0) + n;
}

/**
 * The report figures a log of legal events must give, folded from the raw events with the
 * README's definitions (hostages, prisoners, aid, pause, proposal status), not with the code
 * that prints them.
 */
export class FiguresOracle {
  readonly model = new DealModel();
  seq = 0;
  at: string | null = null;
  #alive = 0;
  #bodies = 0;
  #outside = 0;
  #byCategory: Record<string, number> = {};
  #byGroup: Record<string, number> = {};
  #held: number | null = null;
  #releasedAtCount = 0;
  #prisoners = 0;
  #due = 0;
  #prisonersByCategory: Record<string, number> = {};
  #trucks = 0;
  #fuel = 0;
  #byRegion: Record<string, { trucks: number; fuelTrucks: number }> = {};
  #phases: ExpectedPhase[] = [];
  #violations = 0;
  #rejected = new Set<string>();
  #superseded = new Set<string>();
  #lapsed = new Set<string>();

  /** Folds one event the machine accepted. */
  apply(event: TruceEvent): void {
    const terms = this.model.inProgress?.terms;
    const account = this.#phases.at(-1);
    this.seq = event.seq;
    this.at = event.at;
    switch (event.type) {
      case 'negotiation.opened':
        if (event.data.held) this.#held = Object.values(event.data.held).reduce((a, b) => a + b, 0);
        break;
      case 'hostages.counted':
        this.#held = Object.values(event.data.held).reduce((a, b) => a + b, 0);
        this.#releasedAtCount = this.#releasedTotal();
        break;
      case 'release.completed':
        for (const h of event.data.hostages ?? []) {
          if (h.deceased === true || h.category === 'bodies') this.#bodies += h.count;
          else this.#alive += h.count;
          this.#underDeal(terms, account, h.category, h.count);
        }
        for (const p of event.data.prisoners ?? []) {
          this.#prisoners += p.count;
          add(this.#prisonersByCategory, p.category, p.count);
          if (account) account.prisonersReleased += p.count;
        }
        for (const o of event.data.outsideDeal ?? []) {
          this.#outside += o.count;
          add(this.#byGroup, o.group, o.count);
        }
        break;
      case 'release.recounted':
        for (const h of event.data.hostages) {
          this.#outside -= h.count;
          if (h.category === 'bodies') this.#bodies += h.count;
          else this.#alive += h.count;
          this.#underDeal(terms, account, h.category, h.count);
        }
        break;
      case 'pause.extended':
        if (account && terms) {
          if (account.days !== null) account.days += event.data.days;
          account.extensions += 1;
          if (account.hostagesNamed !== null) {
            account.hostagesNamed += broughtBy(terms, event.data.days, event.data.hostages);
          }
        }
        break;
      case 'aid.delivered': {
        const fuel = event.data.fuelTrucks ?? 0;
        this.#trucks += event.data.trucks;
        this.#fuel += fuel;
        const region = ownValue(this.#byRegion, event.data.region) ?? { trucks: 0, fuelTrucks: 0 };
        this.#byRegion[event.data.region] = {
          trucks: region.trucks + event.data.trucks,
          fuelTrucks: region.fuelTrucks + fuel,
        };
        break;
      }
      case 'violation.reported':
        this.#violations += 1;
        break;
      case 'phase.completed':
        if (account) account.completed = true;
        break;
      case 'proposal.rejected':
        this.#rejected.add(event.data.proposalId);
        break;
      case 'proposal.sent':
        if (event.data.replaces !== undefined) this.#superseded.add(event.data.replaces);
        break;
      case 'hostilities.resumed':
        for (const p of this.model.proposals) {
          if (p.status === 'live') this.#lapsed.add(p.proposalId);
        }
        break;
      default:
        break;
    }
    this.model.apply(event);
    if (event.type === 'phase.started') {
      const progress = this.model.inProgress;
      if (!progress) throw new Error('oracle: phase.started left no phase in progress');
      const named = progress.terms.hostages.every((h) => h.count !== undefined)
        ? progress.terms.hostages.reduce((a, h) => a + (h.count ?? 0), 0)
        : null;
      this.#phases.push({
        phase: progress.phase,
        proposalId: progress.proposalId,
        startedAt: event.at,
        completed: false,
        days: progress.terms.days ?? null,
        extensions: 0,
        hostagesNamed: named,
        hostagesReleased: 0,
        prisonersReleased: 0,
        prisonersDue: 0,
      });
    }
  }

  /** The figures as they stand. */
  figures(): ExpectedFigures {
    const underDeal = this.#alive + this.#bodies;
    const total = this.#releasedTotal();
    const current = this.#phases.at(-1);
    const inPhase = this.model.state === 'inPhase' && current !== undefined && this.at !== null;
    return {
      seq: this.seq,
      at: this.at,
      state: this.model.state,
      phase: this.model.phase,
      hostages: {
        releasedUnderDeal: underDeal,
        releasedAlive: this.#alive,
        bodiesReturned: this.#bodies,
        releasedOutsideDeal: this.#outside,
        releasedTotal: total,
        held: this.#held,
        remaining:
          this.#held === null ? null : Math.max(0, this.#held - (total - this.#releasedAtCount)),
        byCategory: { ...this.#byCategory },
        outsideDealByGroup: { ...this.#byGroup },
        byPhase: this.#phases.map((p) => ({ ...p })),
      },
      prisoners: {
        released: this.#prisoners,
        due: this.#due,
        byCategory: { ...this.#prisonersByCategory },
      },
      aid: {
        trucks: this.#trucks,
        fuelTrucks: this.#fuel,
        byRegion: structuredClone(this.#byRegion),
      },
      pause: {
        days: this.#phases.reduce((a, p) => a + (p.days ?? 0), 0),
        extensions: this.#phases.reduce((a, p) => a + p.extensions, 0),
        day:
          inPhase && current && this.at !== null
            ? Math.max(
                1,
                Math.floor((Date.parse(this.at) - Date.parse(current.startedAt)) / DAY_MS) + 1,
              )
            : null,
      },
      proposals: this.model.proposals.map((p) => ({
        proposalId: p.proposalId,
        status: this.#status(p),
      })),
      violations: this.#violations,
    };
  }

  /** "`accepted` (every principal accepted every phase)", unless rejected, replaced or lapsed. */
  #status(p: ModelProposal): string {
    if (this.#superseded.has(p.proposalId)) return 'superseded';
    if (this.#rejected.has(p.proposalId)) return 'rejected';
    if (this.#lapsed.has(p.proposalId)) return 'lapsed';
    const all = this.model.principals.every((by) =>
      p.terms.phases.every((_, i) => acceptedBy(p, by, i + 1)),
    );
    return all ? 'accepted' : 'live';
  }

  #releasedTotal(): number {
    return this.#alive + this.#bodies + this.#outside;
  }

  #underDeal(
    terms: PhaseTerms | undefined,
    account: ExpectedPhase | undefined,
    category: string,
    count: number,
  ): void {
    add(this.#byCategory, category, count);
    const due = terms ? ratioFor(terms, category) * count : 0;
    this.#due += due;
    if (account) {
      account.hostagesReleased += count;
      account.prisonersDue += due;
    }
  }
}

/** The figures after every event of `events`, all of which the machine accepted. */
export function expectedFigures(events: readonly TruceEvent[]): ExpectedFigures {
  const oracle = new FiguresOracle();
  for (const event of events) oracle.apply(event);
  return oracle.figures();
}
