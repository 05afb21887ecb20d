import type { PhaseTerms, TruceEvent } from '../../../events/index.js';
import {
  acceptedBy,
  broughtBy,
  DealModel,
  type ModelProposal,
  ownValue,
} from '../../../testing/generator/dealModel.js';
import { halfUp } from './halfUp.js';

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
    stillHeld: ExpectedStillHeld | null;
  };
  prisoners: {
    released: number;
    due: number;
    byCategory: Record<string, number>;
    beyondDue: number;
  };
  aid: {
    trucks: number;
    fuelTrucks: number;
    byRegion: Record<string, { trucks: number; fuelTrucks: number }>;
    due: ExpectedAidDue[];
  };
  pause: { days: number | null; extensions: number; day: number | null; openEnded: boolean };
  proposals: Array<{ proposalId: string; status: string }>;
  violations: number;
  remains: { returned: number; due: number };
  obligations: ExpectedObligation[];
  asOf: string | null;
  ceasefire: { strained: boolean; flareUps: number };
  flareUps: ExpectedFlareUp[];
  violationsAgainst: Record<string, number>;
  demands: Array<{ seq: number; at: string; by: string; description: string }>;
}

/** "Still held is split" (README): alive, deceased, and by category where the words match. */
export interface ExpectedStillHeld {
  alive: number;
  deceased: number;
  byCategory: Record<string, number> | null;
}

/** An obligation as "The JSON report" lists it; `due` as epoch milliseconds (null: none). */
export interface ExpectedObligation {
  phase: number;
  party: string | null;
  what: string;
  category: string | null;
  count: number | null;
  line: string | null;
  talksOn: number | null;
  due: number | null;
  round: number | null;
  attempt: number;
  fulfilled: number;
  metAt: string | null;
  status: 'open' | 'met' | 'overdue';
}

/** A flare-up inside the ceasefire, and when it was restored. */
export interface ExpectedFlareUp {
  seq: number;
  at: string;
  by: string;
  against: string | null;
  description: string;
  killed: number | null;
  wounded: number | null;
  restoredAt: string | null;
}

/** Aid a phase owes a region (`aidByRegion`), owed at the as-of instant and delivered. */
export interface ExpectedAidDue {
  phase: number;
  region: string;
  trucksPerDay: number | null;
  fuelTrucksPerDay: number | null;
  days: number;
  trucksDue: number | null;
  fuelTrucksDue: number | null;
  trucks: number;
  fuelTrucks: number;
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

/** One phase attempt as the v2 keys count it: its terms and what it has counted so far. */
interface Attempt {
  phase: number;
  terms: PhaseTerms;
  startedAt: string;
  /** When it was completed or fighting resumed. */
  endedAt: string | null;
  /** Hostages counted under the deal per category (for the ratios). */
  counted: Record<string, number>;
  /** Deceased hostages counted under the deal (for the remains the other side owes). */
  deceased: number;
  /** Aid per region its terms owe, and what the region got while it was in force. */
  aid: Array<{
    region: string;
    trucksPerDay: number | null;
    fuelTrucksPerDay: number | null;
    trucks: number;
    fuelTrucks: number;
  }>;
}

/** An obligation while it is counted (due as epoch ms). */
type OpenObligation = Omit<ExpectedObligation, 'status'>;

const HOUR_MS = 3_600_000;

/**
 * The report figures a log of legal events must give, folded from the raw events with the
 * README's definitions (hostages, prisoners, aid, pause, proposal status, and catalogue v2's
 * still held, beyond due, remains, obligations, flare-ups, aid owed per region), not with the
 * code that prints them.
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
  #held: Record<string, number> | null = null;
  #releasedAtCount = 0;
  #bodiesAtCount = 0;
  #byCategoryAtCount: Record<string, number> = {};
  #prisoners = 0;
  #prisonersByCategory: Record<string, number> = {};
  #trucks = 0;
  #fuel = 0;
  #byRegion: Record<string, { trucks: number; fuelTrucks: number }> = {};
  #phases: ExpectedPhase[] = [];
  #attempts: Attempt[] = [];
  #violations = 0;
  #rejected = new Set<string>();
  #superseded = new Set<string>();
  #lapsed = new Set<string>();
  #remainsReturned = 0;
  #obligations: OpenObligation[] = [];
  #flareUps: ExpectedFlareUp[] = [];
  #violationsAgainst: Record<string, number> = {};
  #demands: Array<{ seq: number; at: string; by: string; description: string }> = [];

  /** Folds one event the machine accepted. */
  apply(event: TruceEvent): void {
    // The phase in force, or after a permanent ceasefire the deal's last (late remains).
    const inForce = this.model.inProgress !== null;
    const attempt = inForce || this.model.concluded ? this.#attempts.length - 1 : -1;
    const current = this.#attempts[attempt];
    const account = this.#phases[attempt];
    this.seq = event.seq;
    this.at = event.at;
    switch (event.type) {
      case 'negotiation.opened':
        if (event.data.held) this.#held = { ...event.data.held };
        break;
      case 'hostages.counted':
        this.#held = { ...event.data.held };
        this.#releasedAtCount = this.#releasedTotal();
        this.#bodiesAtCount = this.#bodies;
        this.#byCategoryAtCount = { ...this.#byCategory };
        break;
      case 'release.completed':
        for (const h of event.data.hostages ?? []) {
          const deceased = h.deceased === true || h.category === 'bodies';
          if (deceased) this.#bodies += h.count;
          else this.#alive += h.count;
          this.#underDeal(current, account, attempt, h.category, h.count, deceased, event.at);
        }
        for (const p of event.data.prisoners ?? []) {
          this.#prisoners += p.count;
          add(this.#prisonersByCategory, p.category, p.count);
          if (account) account.prisonersReleased += p.count;
          this.#meet(
            (o) => o.attempt === attempt && o.what === 'prisoners',
            p.category,
            p.count,
            event.at,
          );
        }
        for (const o of event.data.outsideDeal ?? []) {
          this.#outside += o.count;
          add(this.#byGroup, o.group, o.count);
        }
        break;
      case 'release.recounted':
        for (const h of event.data.hostages) {
          this.#outside -= h.count;
          const deceased = h.category === 'bodies';
          if (deceased) this.#bodies += h.count;
          else this.#alive += h.count;
          this.#underDeal(current, account, attempt, h.category, h.count, deceased, event.at);
        }
        break;
      case 'pause.extended':
        if (account && current) {
          if (account.days !== null) account.days += event.data.days;
          account.extensions += 1;
          if (account.hostagesNamed !== null) {
            account.hostagesNamed += broughtBy(current.terms, event.data.days, event.data.hostages);
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
        // "delivered to the region while the phase was in force (an aid.delivered naming an
        // earlier phase counts toward none)"
        const named = event.data.phase;
        if (inForce && current && (named === undefined || named === current.phase)) {
          for (const owed of current.aid) {
            if (owed.region !== event.data.region) continue;
            owed.trucks += event.data.trucks;
            owed.fuelTrucks += fuel;
          }
        }
        break;
      }
      case 'violation.reported':
        this.#violations += 1;
        if (event.data.against !== undefined) add(this.#violationsAgainst, event.data.against, 1);
        break;
      case 'phase.completed':
        if (account) account.completed = true;
        if (current) current.endedAt = event.at;
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
        if (inForce && current) current.endedAt = event.at;
        this.#restore(event.at);
        break;
      case 'flareup.reported':
        this.#flareUps.push({
          seq: event.seq,
          at: event.at,
          by: event.data.by,
          against: event.data.against ?? null,
          description: event.data.description,
          killed: event.data.killed ?? null,
          wounded: event.data.wounded ?? null,
          restoredAt: null,
        });
        break;
      case 'ceasefire.restored':
        this.#restore(event.at);
        break;
      case 'remains.returned':
        this.#remainsReturned += event.data.count;
        break;
      case 'demand.stated':
        this.#demands.push({
          seq: event.seq,
          at: event.at,
          by: event.data.by,
          description: event.data.description,
        });
        break;
      case 'forces.withdrawn':
        this.#meet(
          (o) => o.what === 'withdrawal' && o.party === event.data.by && o.line === event.data.line,
          null,
          1,
          event.at,
        );
        break;
      case 'talks.started':
        this.#meet((o) => o.what === 'talks' && o.talksOn === event.data.phase, null, 1, event.at);
        break;
      default:
        break;
    }
    this.model.apply(event);
    if (event.type === 'phase.started') this.#started(event.at);
  }

  /** A phase started: its account, its fixed prisoner lists, its obligations and its aid. */
  #started(at: string): void {
    const progress = this.model.inProgress;
    if (!progress) throw new Error('oracle: phase.started left no phase in progress');
    const terms = progress.terms;
    const named = terms.hostages.every((h) => h.count !== undefined)
      ? terms.hostages.reduce((a, h) => a + (h.count ?? 0), 0)
      : null;
    const index = this.#phases.length;
    this.#phases.push({
      phase: progress.phase,
      proposalId: progress.proposalId,
      startedAt: at,
      completed: false,
      days: terms.days ?? null,
      extensions: 0,
      hostagesNamed: named,
      hostagesReleased: 0,
      prisonersReleased: 0,
      prisonersDue: 0,
    });
    const aid: Attempt['aid'] = [];
    for (const a of terms.aidByRegion ?? []) {
      const prior = aid.find((x) => x.region === a.region);
      const plus = (sum: number | null, n: number | undefined) =>
        n === undefined ? sum : (sum ?? 0) + n;
      if (prior) {
        prior.trucksPerDay = plus(prior.trucksPerDay, a.trucksPerDay);
        prior.fuelTrucksPerDay = plus(prior.fuelTrucksPerDay, a.fuelTrucksPerDay);
      } else {
        aid.push({
          region: a.region,
          trucksPerDay: a.trucksPerDay ?? null,
          fuelTrucksPerDay: a.fuelTrucksPerDay ?? null,
          trucks: 0,
          fuelTrucks: 0,
        });
      }
    }
    this.#attempts.push({
      phase: progress.phase,
      terms,
      startedAt: at,
      endedAt: null,
      counted: {},
      deceased: 0,
      aid,
    });
    this.#refreshDue(index);
    this.#obligations.push(...obligationsOf(progress.phase, index, terms, at));
  }

  /** What a phase attempt owes in prisoners: fixed lists plus ratio × counted, half up per category. */
  #refreshDue(index: number): void {
    const attempt = this.#attempts[index];
    const account = this.#phases[index];
    if (!attempt || !account) return;
    let due = (attempt.terms.prisonerTotals ?? []).reduce((a, p) => a + p.count, 0);
    for (const [category, n] of Object.entries(attempt.counted)) {
      due += halfUp(ratioFor(attempt.terms, category), n);
    }
    account.prisonersDue = due;
  }

  /** Every open flare-up is restored at `at`. */
  #restore(at: string): void {
    for (const f of this.#flareUps) if (f.restoredAt === null) f.restoredAt = at;
  }

  /** Counts `n` toward the obligations `match` picks (and `category`, where one is named). */
  #meet(
    match: (o: OpenObligation) => boolean,
    category: string | null,
    n: number,
    at: string,
  ): void {
    for (const o of this.#obligations) {
      if (!match(o)) continue;
      if (o.category !== null && category !== null && o.category !== category) continue;
      o.fulfilled += n;
      if (o.metAt === null && o.fulfilled >= (o.count ?? 1)) o.metAt = at;
    }
  }

  /** The figures as they stand. */
  figures(): ExpectedFigures {
    const underDeal = this.#alive + this.#bodies;
    const total = this.#releasedTotal();
    const current = this.#phases.at(-1);
    const inPhase = this.model.state === 'inPhase' && current !== undefined && this.at !== null;
    const held = this.#held === null ? null : Object.values(this.#held).reduce((a, b) => a + b, 0);
    const due = this.#phases.reduce((a, p) => a + p.prisonersDue, 0);
    const asOf = this.at;
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
        held,
        remaining: held === null ? null : Math.max(0, held - (total - this.#releasedAtCount)),
        byCategory: { ...this.#byCategory },
        outsideDealByGroup: { ...this.#byGroup },
        byPhase: this.#phases.map((p) => ({ ...p })),
        stillHeld: this.#stillHeld(),
      },
      prisoners: {
        released: this.#prisoners,
        due,
        byCategory: { ...this.#prisonersByCategory },
        beyondDue: Math.max(0, this.#prisoners - due),
      },
      aid: {
        trucks: this.#trucks,
        fuelTrucks: this.#fuel,
        byRegion: structuredClone(this.#byRegion),
        due: asOf === null ? [] : this.#aidDue(asOf),
      },
      pause: {
        days: this.#phases.reduce<number | null>(
          (a, p) => (a === null || p.days === null ? null : a + p.days),
          0,
        ),
        extensions: this.#phases.reduce((a, p) => a + p.extensions, 0),
        day:
          inPhase && current && this.at !== null
            ? Math.max(
                1,
                Math.floor((Date.parse(this.at) - Date.parse(current.startedAt)) / DAY_MS) + 1,
              )
            : null,
        // "the last phase started has no end date"
        openEnded: current !== undefined && current.days === null,
      },
      proposals: this.model.proposals.map((p) => ({
        proposalId: p.proposalId,
        status: this.#status(p),
      })),
      violations: this.#violations,
      remains: {
        returned: this.#remainsReturned,
        due: this.#attempts.reduce(
          (a, t) => a + halfUp(t.terms.remainsPerDeceasedHostage ?? 0, t.deceased),
          0,
        ),
      },
      obligations: this.#obligations.map((o) => ({
        // The report's key order: phase, party, what, category, count, line, talksOn, due,
        // round, attempt, fulfilled, metAt, status.
        phase: o.phase,
        party: o.party,
        what: o.what,
        category: o.category,
        count: o.count,
        line: o.line,
        talksOn: o.talksOn,
        due: o.due,
        round: o.round,
        attempt: o.attempt,
        fulfilled: o.fulfilled,
        metAt: o.metAt,
        status:
          o.metAt !== null
            ? 'met'
            : o.due !== null && asOf !== null && Date.parse(asOf) > o.due
              ? 'overdue'
              : 'open',
      })),
      asOf,
      ceasefire: { strained: this.model.strained, flareUps: this.#flareUps.length },
      flareUps: this.#flareUps.map((f) => ({ ...f })),
      violationsAgainst: { ...this.#violationsAgainst },
      demands: this.#demands.map((d) => ({ ...d })),
    };
  }

  /**
   * "Still held: alive, deceased (held under `bodies`) from the last count; by category only when
   * every release since the count names a counted category."
   */
  #stillHeld(): ExpectedStillHeld | null {
    if (this.#held === null) return null;
    const since = this.#releasedTotal() - this.#releasedAtCount;
    const deceasedSince = this.#bodies - this.#bodiesAtCount;
    let alive = 0;
    let deceased = 0;
    let matched = 0;
    const byCategory: Record<string, number> = {};
    for (const [category, count] of Object.entries(this.#held)) {
      if (category === 'bodies') deceased += count;
      else alive += count;
      const out =
        (ownValue(this.#byCategory, category) ?? 0) -
        (ownValue(this.#byCategoryAtCount, category) ?? 0);
      matched += out;
      byCategory[category] = Math.max(0, count - out);
    }
    return {
      alive: Math.max(0, alive - (since - deceasedSince)),
      deceased: Math.max(0, deceased - deceasedSince),
      byCategory: matched === since ? byCategory : null,
    };
  }

  /** "Each day of the phase begun by the as-of instant, up to its end and its days." */
  #aidDue(asOf: string): ExpectedAidDue[] {
    return this.#attempts.flatMap((t, i) => {
      const until = Math.min(
        Date.parse(asOf),
        t.endedAt === null ? Number.POSITIVE_INFINITY : Date.parse(t.endedAt),
      );
      const start = Date.parse(t.startedAt);
      const begun = until < start ? 0 : Math.floor((until - start) / DAY_MS) + 1;
      const planned = this.#phases[i]?.days ?? null;
      const days = planned === null ? begun : Math.min(begun, planned);
      return t.aid.map((a) => ({
        phase: t.phase,
        region: a.region,
        trucksPerDay: a.trucksPerDay,
        fuelTrucksPerDay: a.fuelTrucksPerDay,
        days,
        trucksDue: a.trucksPerDay === null ? null : a.trucksPerDay * days,
        fuelTrucksDue: a.fuelTrucksPerDay === null ? null : a.fuelTrucksPerDay * days,
        trucks: a.trucks,
        fuelTrucks: a.fuelTrucks,
      }));
    });
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
    current: Attempt | undefined,
    account: ExpectedPhase | undefined,
    index: number,
    category: string,
    count: number,
    deceased: boolean,
    at: string,
  ): void {
    add(this.#byCategory, category, count);
    if (account) account.hostagesReleased += count;
    if (!current) return;
    add(current.counted, category, count);
    if (deceased) current.deceased += count;
    this.#refreshDue(index);
    this.#meet(
      (o) => o.attempt === index && o.what === (deceased ? 'remains' : 'hostages'),
      category,
      count,
      at,
    );
  }
}

/**
 * The obligations a phase's terms state, then its schedule's rounds (README: "a deadline counts
 * from the phase's start (withinHours, withinDays) or is an instant (by); none means as soon as
 * possible"; a round owes by the end of its day what the rounds so far name with a count).
 */
function obligationsOf(
  phase: number,
  attempt: number,
  terms: PhaseTerms,
  startedAt: string,
): OpenObligation[] {
  const start = Date.parse(startedAt);
  const out: OpenObligation[] = [];
  const base = { phase, attempt, fulfilled: 0, metAt: null };
  for (const o of terms.obligations ?? []) {
    const counted = o.what === 'hostages' || o.what === 'remains' || o.what === 'prisoners';
    const due =
      o.withinHours !== undefined
        ? start + o.withinHours * HOUR_MS
        : o.withinDays !== undefined
          ? start + o.withinDays * 24 * HOUR_MS
          : o.by !== undefined
            ? Date.parse(o.by)
            : null;
    out.push({
      ...base,
      party: o.party,
      what: o.what,
      category: o.category ?? null,
      count: counted ? (o.count ?? 0) : null,
      line: o.what === 'withdrawal' ? (o.line ?? null) : null,
      talksOn: o.what === 'talks' ? (o.phase ?? phase + 1) : null,
      due,
      round: null,
      metAt: counted && o.count === 0 ? startedAt : null,
    });
  }
  const rounds = [...(terms.schedule ?? [])].sort((a, b) => a.day - b.day);
  const sums: Record<string, number | null> = {};
  let prisoners = 0;
  for (const round of rounds) {
    const due = start + round.day * 24 * HOUR_MS;
    const named: string[] = [];
    for (const h of round.hostages ?? []) {
      const prior = Object.hasOwn(sums, h.category) ? sums[h.category] : 0;
      sums[h.category] =
        prior === null || prior === undefined || h.count === undefined ? null : prior + h.count;
      if (!named.includes(h.category)) named.push(h.category);
    }
    const common = { ...base, party: null, line: null, talksOn: null, due, round: round.day };
    for (const category of named) {
      const count = sums[category];
      if (count === null || count === undefined) continue;
      out.push({
        ...common,
        what: category === 'bodies' ? 'remains' : 'hostages',
        category,
        count,
        metAt: count === 0 ? startedAt : null,
      });
    }
    if (round.prisoners !== undefined) {
      prisoners += round.prisoners;
      out.push({
        ...common,
        what: 'prisoners',
        category: null,
        count: prisoners,
        metAt: prisoners === 0 ? startedAt : null,
      });
    }
  }
  return out;
}

/** The figures after every event of `events`, all of which the machine accepted. */
export function expectedFigures(events: readonly TruceEvent[]): ExpectedFigures {
  const oracle = new FiguresOracle();
  for (const event of events) oracle.apply(event);
  return oracle.figures();
}
