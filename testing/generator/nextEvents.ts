import type { EventData, EventType, PhaseTerms, Terms, TruceEvent } from '../../events/index.js';
import { acceptedBy, allowanceOf, ownValue, sum } from './dealModel.js';

/** An event before it gets its place in a log: type and payload only. */
export type Move = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

/**
 * A weighted candidate: progress events weigh more, so logs get somewhere. Its details (counts,
 * terms, which party) are drawn only once it is chosen, so a log spends its draws on the events
 * it contains and a shrunk draw changes one event.
 */
export interface Candidate {
  type: EventType;
  weight: number;
  draw: (pick: Pick) => Move;
}

/**
 * Picks a whole number in `[0, max)` (0 when `max <= 0`). The generator feeds it from
 * fast-check's `fc.gen()`, the model test from a fixed rule, so both share one legality model.
 */
export type Pick = (max: number) => number;

/**
 * What the legality model reads of the deal so far: the oracle's {@link DealModel} for the
 * generator, the machine's context for the model test's traversal (structurally the same).
 */
export interface LegalityView {
  readonly parties: Readonly<Record<string, { readonly role: string }>>;
  readonly principals: readonly string[];
  /** How many proposals were sent, when `proposals` keeps the live ones only; else its length. */
  readonly proposalsSent?: number;
  readonly proposals: ReadonlyArray<{
    readonly proposalId: string;
    readonly status: string;
    readonly terms: Terms;
    readonly acceptedAll: readonly string[];
    readonly acceptedPhases: Readonly<Record<string, readonly number[]>>;
  }>;
  /** The last phase started. */
  readonly phase: number;
  /** The last phase completed of the deal in force. */
  readonly completedPhases: number;
  readonly inProgress: {
    readonly phase: number;
    readonly proposalId: string;
    readonly terms: PhaseTerms;
    readonly released: Readonly<Record<string, number>>;
    readonly extensionDays: number;
    readonly extensionHostages: number;
  } | null;
  readonly pauseHolding: boolean;
  readonly outsideNotRecounted: number;
  /** A flare-up inside the ceasefire not yet followed by its restoration. */
  readonly strained: boolean;
}

/** Options of {@link nextEvents}. */
export interface NextEventsOptions {
  /** Terms a new proposal may carry; drawn with `pick` when absent. */
  terms?: readonly Terms[];
  /** At most this many proposals in one log (bounds the model's state space). */
  maxProposals?: number;
  /** The opening's payload; drawn with `pick` when absent. */
  opening?: EventData<'negotiation.opened'>;
}

const PRINCIPALS = ['israel', 'hamas', 'pa'] as const;
const MEDIATORS = ['qatar', 'egypt', 'us'] as const;
const THIRD = ['thailand'] as const;
const CATEGORIES = ['women', 'children', 'elderly', 'civilian-men', 'soldiers', 'bodies'] as const;

/** The first instant of generated logs, for obligations due `by` a date. */
const GENERATED_START = Date.UTC(2023, 10, 22);

/**
 * Terms drawn from `pick`: 1–3 phases, named or open counts (now and then a large one), whole
 * and fractional exchange ratios (half-up rounding), extension rules, and catalogue v2's terms:
 * open-ended phases, fixed prisoner lists, remains per deceased hostage, aid by region, a
 * withdrawal line, a release schedule and obligations with every kind of deadline.
 */
export function drawTerms(pick: Pick): Terms {
  const phases: PhaseTerms[] = [];
  const count = 1 + pick(3);
  for (let i = 0; i < count; i++) {
    const categories = new Set<string>();
    const named = 1 + pick(2);
    for (let j = 0; j < named; j++) categories.add(CATEGORIES[pick(CATEGORIES.length)] ?? 'women');
    const hostages = [...categories].map((category) =>
      pick(8) === 7
        ? { category }
        : { category, count: pick(10) === 9 ? 10 + pick(50) : 1 + pick(4) },
    );
    // Keys in the catalogue's order, as a log read back from its bytes has them.
    const phase: PhaseTerms = pick(6) !== 5 ? { days: 1 + pick(7), hostages } : { hostages };
    if (pick(3) > 0) {
      phase.exchange = [...categories].map((category) => ({
        category,
        prisonersPerHostage: pick(4) === 3 ? pick(31) + (1 + pick(99)) / 100 : pick(31),
      }));
    }
    if (pick(3) === 2) phase.prisoners = pick(200);
    const aid = pick(2) === 1 ? pick(300) : undefined;
    if (pick(4) === 3) v2Terms(phase, [...categories], i + 1, aid, pick);
    else if (aid !== undefined) phase.aidTrucksPerDay = aid;
    if (pick(2) === 1) {
      phase.extension = { hostagesPerDay: 1 + pick(3) };
      if (pick(2) === 1) phase.extension.prisonersPerHostage = pick(4);
      if (pick(2) === 1) phase.extension.maxDays = 1 + pick(3);
    }
    phases.push(phase);
  }
  return { phases, permanentCeasefire: pick(2) === 1 };
}

/** Catalogue v2's terms of one phase, each drawn or not. */
function v2Terms(
  phase: PhaseTerms,
  categories: string[],
  number: number,
  aid: number | undefined,
  pick: Pick,
): void {
  if (pick(2) === 1) {
    phase.prisonerTotals = [{ category: 'sentenced', count: pick(50) }];
    if (pick(2) === 1) phase.prisonerTotals.push({ category: 'detainees', count: pick(200) });
  }
  if (pick(2) === 1) phase.remainsPerDeceasedHostage = pick(16) + (pick(3) === 2 ? 0.5 : 0);
  if (aid !== undefined) phase.aidTrucksPerDay = aid;
  if (pick(2) === 1) {
    phase.aidByRegion = [{ region: 'north', trucksPerDay: pick(300) }];
    const south: NonNullable<PhaseTerms['aidByRegion']>[number] = { region: 'south' };
    if (pick(2) === 1) south.trucksPerDay = pick(300);
    if (pick(2) === 1) south.fuelTrucksPerDay = pick(10);
    phase.aidByRegion.push(south);
  }
  if (pick(2) === 1) phase.withdrawal = pick(2) === 1 ? 'yellow line' : 'full';
  if (pick(2) === 1) {
    const rounds = 1 + pick(3);
    phase.schedule = [];
    for (let r = 0; r < rounds; r++) {
      const round: NonNullable<PhaseTerms['schedule']>[number] = { day: 1 + pick(7) };
      const category = one(categories, pick);
      round.hostages = [pick(5) === 4 ? { category } : { category, count: pick(4) }];
      if (pick(2) === 1) round.prisoners = pick(40);
      phase.schedule.push(round);
    }
  }
  if (pick(2) === 1) {
    phase.obligations = [];
    const n = 1 + pick(3);
    for (let o = 0; o < n; o++) phase.obligations.push(drawObligation(categories, number, pick));
  }
}

/** One obligation: hostages, remains, prisoners, talks or a withdrawal, with any deadline. */
function drawObligation(
  categories: string[],
  number: number,
  pick: Pick,
): NonNullable<PhaseTerms['obligations']>[number] {
  // Keys in the catalogue's order: party, what, category, count, deadline, phase, line.
  const party = PRINCIPALS[pick(2)] ?? 'israel';
  const kind = pick(5);
  const what = (['hostages', 'remains', 'prisoners', 'talks', 'withdrawal'] as const)[kind];
  const o: NonNullable<PhaseTerms['obligations']>[number] = { party, what: what ?? 'talks' };
  if (kind === 0 && pick(2) === 1) o.category = one(categories, pick);
  if (kind === 0) o.count = 1 + pick(4);
  else if (kind === 1) o.count = pick(4);
  else if (kind === 2) o.count = pick(60);
  const deadline = pick(4);
  if (deadline === 0) o.withinHours = 1 + pick(96);
  else if (deadline === 1) o.withinDays = 1 + pick(5);
  else if (deadline === 2) {
    o.by = new Date(GENERATED_START + pick(40) * 86_400_000 + pick(24) * 3_600_000).toISOString();
  }
  if (kind === 3 && pick(2) === 1) o.phase = number + pick(2);
  if (kind === 4) o.line = pick(2) === 1 ? 'yellow line' : 'full';
  return o;
}

/** Parties of a negotiation drawn from `pick`: 2–3 principals, 0–3 mediators, 0–1 third party. */
export function drawOpening(pick: Pick): EventData<'negotiation.opened'> {
  const parties: EventData<'negotiation.opened'>['parties'] = [];
  for (const id of PRINCIPALS.slice(0, 2 + pick(2))) {
    parties.push({ id, name: id.toUpperCase(), role: 'principal' });
  }
  for (const id of MEDIATORS.slice(0, pick(4))) {
    parties.push({ id, name: id.toUpperCase(), role: 'mediator' });
  }
  for (const id of THIRD.slice(0, pick(2))) {
    parties.push({ id, name: id.toUpperCase(), role: 'third-party' });
  }
  const data: EventData<'negotiation.opened'> = { title: 'Generated negotiation', parties };
  if (pick(2) === 1) {
    data.held = { women: 10 + pick(50), soldiers: pick(20) };
    if (pick(2) === 1) data.held.bodies = pick(10);
  }
  return data;
}

/** One of `items` by `pick`; the first when `pick` gives 0. */
function one<T>(items: readonly T[], pick: Pick): T {
  const item = items[pick(items.length)];
  if (item === undefined) throw new Error('one() of an empty list');
  return item;
}

/**
 * The events the README's rules ("The rules the statechart enforces") allow next, given the
 * state path and what the deal so far says. Built from the rules in words over the oracle's
 * model, not by asking the machine, so a replay that rejects one of them is a disagreement
 * worth a look. With `pick` always 0 each candidate gives
 * its simplest form (the first party, the smallest count), which the model test walks.
 */
export function nextEvents(
  state: string,
  view: LegalityView,
  options: NextEventsOptions = {},
): Candidate[] {
  const out: Candidate[] = [];
  const push = <T extends EventType>(
    weight: number,
    type: T,
    data: (pick: Pick) => EventData<T>,
  ): void => {
    out.push({ type, weight, draw: (pick) => ({ type, data: data(pick) }) as Move });
  };
  const top = state.split('.')[0];
  if (state === 'unopened') {
    push(1, 'negotiation.opened', (pick) => options.opening ?? drawOpening(pick));
    return out;
  }

  const parties = Object.keys(view.parties);
  const roleOf = (id: string): string | undefined => ownValue(view.parties, id)?.role;
  const principals = view.principals;
  const live = view.proposals.filter((p) => p.status === 'live');
  const inForce = view.inProgress?.proposalId;
  const next = view.completedPhases + 1;

  // Any time after opening.
  push(1, 'aid.delivered', (pick) => {
    const aid: EventData<'aid.delivered'> = {
      region: pick(2) === 0 ? 'north' : 'south',
      trucks: pick(300),
    };
    if (pick(2) === 1) aid.fuelTrucks = pick(10);
    if (view.phase > 0 && pick(2) === 1) aid.phase = 1 + pick(view.phase);
    return aid;
  });
  push(1, 'violation.reported', (pick) => {
    const violation: EventData<'violation.reported'> = {
      by: one(principals, pick),
      description: 'shots fired',
    };
    if (pick(2) === 1) violation.against = one(principals, pick);
    return violation;
  });
  push(1, 'hostages.counted', (pick) => {
    const held: Record<string, number> = { women: pick(40), soldiers: pick(20) };
    if (pick(2) === 1) held.bodies = pick(10);
    return { held };
  });
  worldMoves(top, view, principals, parties, push);

  // After a permanent ceasefire the world goes on, late remains of the deceased included; only
  // what would reopen the deal is refused.
  if (top === 'concluded') {
    push(1, 'release.completed', (pick) => {
      const category = CATEGORIES[pick(CATEGORIES.length)] ?? 'bodies';
      const hostage: { category: string; count: number; deceased?: boolean } = {
        category,
        count: 1 + pick(3),
      };
      if (category !== 'bodies' || pick(2) === 1) hostage.deceased = true;
      return { phase: view.completedPhases, hostages: [hostage] };
    });
    return out;
  }

  if (state === 'negotiating.suspended') {
    push(8, 'talks.resumed', (pick) => ({ by: one(parties, pick) }));
    if (view.pauseHolding) {
      push(1, 'hostilities.resumed', (pick) => ({ by: one(principals, pick) }));
    }
    return out;
  }

  const negotiating = top === 'negotiating';
  const canTalk = negotiating || top === 'agreed' || top === 'inPhase';

  // Proposals: new ones, and counter-proposals that replace a live one not in force. Fewer
  // while one is on the table, so acceptances can gather.
  const sentSoFar = view.proposalsSent ?? view.proposals.length;
  if ((canTalk || top === 'collapsed') && sentSoFar < (options.maxProposals ?? 6)) {
    const offers: Array<((pick: Pick) => Terms) | Terms> = options.terms?.length
      ? [...options.terms]
      : [drawTerms];
    const mediators = parties.filter((p) => roleOf(p) === 'mediator');
    const replaceable = live.filter((p) => p.proposalId !== inForce);
    const onTable = live.some((p) => p.terms.phases.length >= next);
    const proposalId = `p${sentSoFar + 1}`;
    for (const offer of offers) {
      const sent = (pick: Pick): EventData<'proposal.sent'> => {
        const data: EventData<'proposal.sent'> = {
          proposalId,
          from: pick(2) === 1 ? one(parties, pick) : one(principals, pick),
          terms: typeof offer === 'function' ? offer(pick) : offer,
        };
        if (mediators.length && pick(2) === 1) {
          data.via = mediators.slice(0, 1 + pick(mediators.length));
        }
        if (pick(2) === 1) data.to = [...principals];
        return data;
      };
      push(top === 'collapsed' ? 6 : onTable ? 1 : 4, 'proposal.sent', sent);
      if (replaceable.length) {
        push(1, 'proposal.sent', (pick) => ({
          ...sent(pick),
          from: one(principals, pick),
          replaces: one(replaceable, pick).proposalId,
        }));
      }
    }
  }

  if (canTalk) {
    // The live proposal closest to agreement on the next phase draws most acceptances.
    const support = (p: (typeof live)[number]): number =>
      principals.filter((by) => acceptedBy(p, by, next)).length;
    const front = live
      .filter((p) => p.terms.phases.length >= next)
      .reduce<(typeof live)[number] | undefined>(
        (best, p) => (best === undefined || support(p) > support(best) ? p : best),
        undefined,
      );
    for (const p of live) {
      const lead = p === front ? 4 : 1;
      for (const by of principals) {
        if (!p.acceptedAll.includes(by)) {
          push(2 * lead, 'proposal.accepted', () => ({ proposalId: p.proposalId, by }));
        }
        for (let phase = 1; phase <= p.terms.phases.length; phase++) {
          if (acceptedBy(p, by, phase)) continue;
          push(phase === next ? 2 * lead : 1, 'phase.accepted', () => ({
            proposalId: p.proposalId,
            phase,
            by,
          }));
        }
      }
      if (p.proposalId !== inForce) {
        push(1, 'proposal.rejected', (pick) => {
          const data: EventData<'proposal.rejected'> = {
            proposalId: p.proposalId,
            by: one(principals, pick),
          };
          if (pick(2) === 1) data.reason = 'no end-of-war clause';
          return data;
        });
      }
    }
  }

  if (negotiating) {
    push(1, 'talks.suspended', (pick) => ({ by: one(parties, pick) }));
    if (view.pauseHolding) {
      push(1, 'hostilities.resumed', (pick) => ({ by: one(principals, pick) }));
    }
  }

  if (top === 'agreed') {
    push(24, 'phase.started', () => ({ phase: next }));
    push(1, 'hostilities.resumed', () => ({ reason: 'talks broke down' }));
  }

  if (top === 'inPhase' && view.inProgress) {
    inPhaseMoves(view, view.inProgress, push);
    push(1, 'hostilities.resumed', (pick) => ({ by: one(principals, pick) }));
  }
  return out;
}

/**
 * Catalogue v2's facts of the world: demands once talks began; remains returned, withdrawals
 * and talks begun once a phase started; a flare-up wherever a ceasefire holds (a phase in
 * progress, a completed phase's pause, a permanent ceasefire) and its restoration.
 */
function worldMoves(
  top: string | undefined,
  view: LegalityView,
  principals: readonly string[],
  parties: readonly string[],
  push: <T extends EventType>(weight: number, type: T, data: (pick: Pick) => EventData<T>) => void,
): void {
  if ((view.proposalsSent ?? view.proposals.length) > 0) {
    push(1, 'demand.stated', (pick) => {
      const data: EventData<'demand.stated'> = {
        by: one(principals, pick),
        description: 'a public demand',
      };
      if (pick(2) === 1) {
        data.terms = { permanentCeasefire: pick(2) === 1 };
        if (pick(2) === 1) data.terms.pauseDays = pick(60);
        if (pick(2) === 1) data.terms.withdrawal = 'full';
      }
      return data;
    });
  }
  if (view.phase > 0) {
    push(1, 'remains.returned', (pick) => {
      const data: EventData<'remains.returned'> = { by: one(principals, pick), count: pick(30) };
      if (pick(2) === 1) data.phase = 1 + pick(view.phase);
      return data;
    });
    push(1, 'forces.withdrawn', (pick) => {
      const data: EventData<'forces.withdrawn'> = {
        by: one(principals, pick),
        line: pick(2) === 1 ? 'yellow line' : 'full',
      };
      if (pick(2) === 1) data.phase = 1 + pick(view.phase);
      return data;
    });
    push(1, 'talks.started', (pick) => {
      const data: EventData<'talks.started'> = { phase: 1 + pick(view.phase + 1) };
      if (pick(2) === 1) data.by = parties.slice(0, 1 + pick(parties.length));
      return data;
    });
  }
  if (view.inProgress !== null || view.pauseHolding || top === 'concluded') {
    push(1, 'flareup.reported', (pick) => {
      const by = one(principals, pick);
      const data: EventData<'flareup.reported'> =
        pick(2) === 1
          ? { by, against: one(principals, pick), description: 'strikes after an attack' }
          : { by, description: 'strikes after an attack' };
      if (pick(2) === 1) data.killed = pick(100);
      if (pick(3) === 2) data.wounded = pick(300);
      return data;
    });
  }
  if (view.strained) {
    push(3, 'ceasefire.restored', (pick) => (pick(2) === 1 ? { by: one(parties, pick) } : {}));
  }
}

/** Releases, recounts, extensions and completion within the phase's terms. */
function inPhaseMoves(
  view: LegalityView,
  progress: NonNullable<LegalityView['inProgress']>,
  push: <T extends EventType>(weight: number, type: T, data: (pick: Pick) => EventData<T>) => void,
): void {
  const phase = progress.phase;
  const { perCategory, total } = allowanceOf(progress.terms);
  const ext = progress.extensionHostages;
  const counted = sum(progress.released);
  const totalDue = total === undefined ? Number.POSITIVE_INFINITY : total + ext - counted;
  const dueIn = (category: string): number => {
    const limit = ownValue(perCategory, category);
    const perCat =
      limit === undefined
        ? Number.POSITIVE_INFINITY
        : Math.max(0, limit + ext - (ownValue(progress.released, category) ?? 0));
    return Math.min(perCat, totalDue);
  };
  const open = Object.keys(perCategory).filter((c) => dueIn(c) > 0);
  // Mostly a few at a time; now and then all that is due at once (up to 60), so large counts
  // meet fractional ratios.
  const amount = (due: number, pick: Pick): number =>
    due > 4 && pick(4) === 3 ? Math.min(due, 60) : 1 + pick(Math.min(due, 4));
  const third = Object.keys(view.parties).find(
    (p) => ownValue(view.parties, p)?.role === 'third-party',
  );

  // A release under the deal, with prisoners and sometimes hostages freed outside it; or one
  // outside the deal alone.
  const release = (withHostages: boolean) => (pick: Pick) => {
    const data: EventData<'release.completed'> = { phase };
    if (withHostages) {
      const category = one(open, pick);
      const hostage: { category: string; count: number; deceased?: boolean } = {
        category,
        count: amount(dueIn(category), pick),
      };
      if (pick(6) === 5) hostage.deceased = true;
      data.hostages = [hostage];
    }
    if (pick(3) > 0) data.prisoners = [{ category: 'women', count: pick(40) }];
    if (!withHostages || pick(3) === 2) {
      const outside: { group: string; count: number; by?: string } = {
        group: 'thai-nationals',
        count: 1 + pick(3),
      };
      if (third !== undefined && pick(2) === 1) outside.by = third;
      data.outsideDeal = [outside];
    }
    return data;
  };
  if (open.length) push(10, 'release.completed', release(true));
  push(1, 'release.completed', release(false));

  // An accounting decision: hostages freed outside the deal now count toward the quota.
  if (view.outsideNotRecounted > 0 && open.length) {
    push(3, 'release.recounted', (pick) => {
      const c = one(open, pick);
      const count = 1 + pick(Math.min(dueIn(c), view.outsideNotRecounted, 3));
      return { phase, hostages: [{ category: c, count }], reason: 'counted toward the quota' };
    });
  }

  // Extensions per the phase's rule (days × hostagesPerDay, at most maxDays in all).
  const rule = progress.terms.extension;
  if (rule) {
    const left = rule.maxDays === undefined ? 3 : rule.maxDays - progress.extensionDays;
    if (left > 0) {
      push(2, 'pause.extended', (pick) => {
        const days = 1 + pick(Math.min(left, 3));
        const data: EventData<'pause.extended'> = { phase, days };
        const brought = days * rule.hostagesPerDay;
        if (pick(2) === 1) data.hostages = brought;
        if (rule.prisonersPerHostage !== undefined && pick(2) === 1) {
          data.prisoners = brought * rule.prisonersPerHostage;
        }
        return data;
      });
    }
  } else {
    push(1, 'pause.extended', (pick) => {
      const data: EventData<'pause.extended'> = { phase, days: 1 + pick(3) };
      if (pick(2) === 1) data.hostages = pick(3);
      return data;
    });
  }

  // Completion once every named hostage (with extensions) is released.
  const complete =
    Object.entries(perCategory).every(
      ([c, limit]) => limit === undefined || (ownValue(progress.released, c) ?? 0) >= limit,
    ) &&
    (total === undefined || counted >= total + ext);
  if (complete) push(12, 'phase.completed', () => ({ phase }));
}

/** Places a move in a log: seq, a unique id and a time after the previous event. */
export function toEvent(move: Move, seq: number, at: string): TruceEvent {
  return { seq, id: `gen-${seq}`, type: move.type, at, data: move.data } as TruceEvent;
}

/** A weighted choice among candidates; `undefined` when there are none. */
export function choose(candidates: readonly Candidate[], pick: Pick): Candidate | undefined {
  const total = candidates.reduce((a, c) => a + c.weight, 0);
  let n = pick(total);
  for (const c of candidates) {
    if (n < c.weight) return c;
    n -= c.weight;
  }
  return undefined;
}
