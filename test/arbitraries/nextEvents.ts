import type { EventData, EventType, PhaseTerms, Terms, TruceEvent } from '../../events/index.js';
import {
  type DealContext,
  hasAccepted,
  nextPhase,
  own,
  type PhaseInProgress,
  phaseAllowance,
} from '../../machines/index.js';

/** An event before it gets its place in a log: type and payload only. */
export type Move = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

/** A weighted candidate: progress events weigh more, so logs get somewhere. */
export interface Candidate {
  move: Move;
  weight: number;
}

/**
 * Picks a whole number in `[0, max)` (0 when `max <= 0`). The generator feeds it from the
 * choices fast-check drew, the model test from a fixed rule, so both share one legality model.
 */
export type Pick = (max: number) => number;

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

/** Terms drawn from `pick`: 1–3 phases, named or open counts, exchange ratios, extension rules. */
export function drawTerms(pick: Pick): Terms {
  const phases: PhaseTerms[] = [];
  const count = 1 + pick(3);
  for (let i = 0; i < count; i++) {
    const categories = new Set<string>();
    const named = 1 + pick(2);
    for (let j = 0; j < named; j++) categories.add(CATEGORIES[pick(CATEGORIES.length)] ?? 'women');
    const hostages = [...categories].map((category) =>
      pick(8) === 0 ? { category } : { category, count: 1 + pick(4) },
    );
    const phase: PhaseTerms = { days: 1 + pick(7), hostages };
    if (pick(3) > 0) {
      phase.exchange = [...categories].map((category) => ({
        category,
        prisonersPerHostage: pick(31),
      }));
    }
    if (pick(3) === 0) phase.prisoners = pick(200);
    if (pick(2) === 0) phase.aidTrucksPerDay = pick(300);
    if (pick(2) === 0) {
      phase.extension = { hostagesPerDay: 1 + pick(3) };
      if (pick(2) === 0) phase.extension.prisonersPerHostage = pick(4);
      if (pick(2) === 0) phase.extension.maxDays = 1 + pick(3);
    }
    phases.push(phase);
  }
  return { phases, permanentCeasefire: pick(2) === 0 };
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
  if (pick(2) === 0) data.held = { women: 10 + pick(50), soldiers: pick(20) };
  return data;
}

/**
 * The events the DESIGN §4 table allows next, given the machine's state path and context.
 * Built from the rules in words, not by asking the machine, so a replay that rejects one of
 * them is a disagreement worth a look. Empty once the deal has concluded.
 */
export function nextEvents(
  state: string,
  ctx: DealContext,
  pick: Pick,
  options: NextEventsOptions = {},
): Candidate[] {
  const out: Candidate[] = [];
  const push = (weight: number, move: Move): void => {
    out.push({ weight, move });
  };
  const top = state.split('.')[0];
  if (state === 'unopened') {
    push(1, { type: 'negotiation.opened', data: options.opening ?? drawOpening(pick) });
    return out;
  }
  if (top === 'concluded') return out;

  const parties = Object.keys(ctx.parties);
  const anyParty = (): string => parties[pick(parties.length)] ?? 'israel';
  const principal = (): string => ctx.principals[pick(ctx.principals.length)] ?? 'israel';
  const live = ctx.proposals.filter((p) => p.status === 'live');
  const inForce = ctx.inProgress?.proposalId;

  // Any time after opening.
  const aid: EventData<'aid.delivered'> = {
    region: pick(2) === 0 ? 'north' : 'south',
    trucks: pick(300),
  };
  if (pick(2) === 0) aid.fuelTrucks = pick(10);
  if (ctx.phase > 0 && pick(2) === 0) aid.phase = 1 + pick(ctx.phase);
  push(1, { type: 'aid.delivered', data: aid });
  const violation: EventData<'violation.reported'> = {
    by: principal(),
    description: 'shots fired',
  };
  if (pick(2) === 0) violation.against = principal();
  push(1, { type: 'violation.reported', data: violation });
  push(1, { type: 'hostages.counted', data: { held: { women: pick(40), soldiers: pick(20) } } });

  if (state === 'negotiating.suspended') {
    push(6, { type: 'talks.resumed', data: { by: anyParty() } });
    if (ctx.pauseHolding) push(1, { type: 'hostilities.resumed', data: { by: principal() } });
    return out;
  }

  const negotiating = top === 'negotiating';
  const canTalk = negotiating || top === 'agreed' || top === 'inPhase';

  // Proposals: new ones, counter-proposals replacing a live one not in force.
  if ((canTalk || top === 'collapsed') && ctx.proposals.length < (options.maxProposals ?? 6)) {
    const offers = options.terms?.length ? options.terms : [drawTerms(pick)];
    const mediators = parties.filter((p) => own(ctx.parties, p)?.role === 'mediator');
    const replaceable = live.filter((p) => p.proposalId !== inForce);
    for (const terms of offers) {
      const data: EventData<'proposal.sent'> = {
        proposalId: `p${ctx.proposals.length + 1}`,
        from: pick(2) === 0 ? anyParty() : principal(),
        terms,
      };
      if (mediators.length && pick(2) === 0) {
        data.via = mediators.slice(0, 1 + pick(mediators.length));
      }
      if (pick(2) === 0) data.to = [...ctx.principals];
      push(top === 'collapsed' ? 4 : 2, { type: 'proposal.sent', data });
      const old = replaceable[pick(replaceable.length)];
      if (old) {
        push(2, {
          type: 'proposal.sent',
          data: { ...data, from: principal(), replaces: old.proposalId },
        });
      }
    }
  }

  if (canTalk) {
    const next = nextPhase(ctx);
    for (const p of live) {
      for (const by of ctx.principals) {
        if (!p.acceptedAll.includes(by)) {
          push(3, { type: 'proposal.accepted', data: { proposalId: p.proposalId, by } });
        }
        for (let phase = 1; phase <= p.terms.phases.length; phase++) {
          if (hasAccepted(p, by, phase)) continue;
          push(phase === next ? 3 : 1, {
            type: 'phase.accepted',
            data: { proposalId: p.proposalId, phase, by },
          });
        }
      }
      if (p.proposalId !== inForce) {
        const data: EventData<'proposal.rejected'> = { proposalId: p.proposalId, by: principal() };
        if (pick(2) === 0) data.reason = 'no end-of-war clause';
        push(1, { type: 'proposal.rejected', data });
      }
    }
  }

  if (negotiating) {
    push(1, { type: 'talks.suspended', data: { by: anyParty() } });
    if (ctx.pauseHolding) push(1, { type: 'hostilities.resumed', data: { by: principal() } });
  }

  if (top === 'agreed') {
    push(8, { type: 'phase.started', data: { phase: nextPhase(ctx) } });
    push(1, { type: 'hostilities.resumed', data: { reason: 'talks broke down' } });
  }

  if (top === 'inPhase' && ctx.inProgress) {
    inPhaseMoves(ctx, ctx.inProgress, pick, push);
    push(1, { type: 'hostilities.resumed', data: { by: principal() } });
  }
  return out;
}

/** Releases, recounts, extensions and completion within the phase's terms. */
function inPhaseMoves(
  ctx: DealContext,
  progress: PhaseInProgress,
  pick: Pick,
  push: (weight: number, move: Move) => void,
): void {
  const phase = progress.phase;
  const { base, baseTotal } = phaseAllowance(progress.terms);
  const ext = progress.extensionHostages;
  const counted = Object.values(progress.released).reduce((a, b) => a + b, 0);
  const totalDue = baseTotal === undefined ? Number.POSITIVE_INFINITY : baseTotal + ext - counted;
  const dueIn = (category: string): number => {
    const limit = own(base, category);
    const perCategory =
      limit === undefined
        ? Number.POSITIVE_INFINITY
        : Math.max(0, limit + ext - (own(progress.released, category) ?? 0));
    return Math.min(perCategory, totalDue);
  };
  const categories = Object.keys(base);
  const open = categories.filter((c) => dueIn(c) > 0);
  const amount = (due: number): number => 1 + pick(Math.min(due, 4));

  // A release under the deal, with prisoners and sometimes hostages freed outside it.
  const release: EventData<'release.completed'> = { phase };
  const category = open[pick(open.length)];
  if (category !== undefined) {
    const hostage: { category: string; count: number; deceased?: boolean } = {
      category,
      count: amount(dueIn(category)),
    };
    if (pick(6) === 0) hostage.deceased = true;
    release.hostages = [hostage];
  }
  if (pick(3) > 0) release.prisoners = [{ category: 'women', count: pick(40) }];
  const third = Object.keys(ctx.parties).find((p) => own(ctx.parties, p)?.role === 'third-party');
  if (pick(3) === 0) {
    const outside: { group: string; count: number; by?: string } = {
      group: 'thai-nationals',
      count: 1 + pick(3),
    };
    if (third !== undefined && pick(2) === 0) outside.by = third;
    release.outsideDeal = [outside];
  }
  push(category !== undefined ? 8 : 1, { type: 'release.completed', data: release });

  // An accounting decision: hostages freed outside the deal now count toward the quota.
  if (ctx.outsideNotRecounted > 0 && open.length) {
    const c = open[pick(open.length)] as string;
    const count = 1 + pick(Math.min(dueIn(c), ctx.outsideNotRecounted, 3));
    push(3, {
      type: 'release.recounted',
      data: { phase, hostages: [{ category: c, count }], reason: 'counted toward the quota' },
    });
  }

  // Extensions per the phase's rule (days × hostagesPerDay, at most maxDays in all).
  const rule = progress.terms.extension;
  if (rule) {
    const left = rule.maxDays === undefined ? 3 : rule.maxDays - progress.extensionDays;
    if (left > 0) {
      const days = 1 + pick(Math.min(left, 3));
      const data: EventData<'pause.extended'> = { phase, days };
      const brought = days * rule.hostagesPerDay;
      if (pick(2) === 0) data.hostages = brought;
      if (rule.prisonersPerHostage !== undefined && pick(2) === 0) {
        data.prisoners = brought * rule.prisonersPerHostage;
      }
      push(2, { type: 'pause.extended', data });
    }
  } else {
    const data: EventData<'pause.extended'> = { phase, days: 1 + pick(3) };
    if (pick(2) === 0) data.hostages = pick(3);
    push(1, { type: 'pause.extended', data });
  }

  // Completion once every named hostage (with extensions) is released.
  const complete =
    categories.every((c) => {
      const limit = own(base, c);
      return limit === undefined || (own(progress.released, c) ?? 0) >= limit;
    }) &&
    (baseTotal === undefined || counted >= baseTotal + ext);
  if (complete) push(10, { type: 'phase.completed', data: { phase } });
}

/** Places a move in a log: seq, a unique id and a time after the previous event. */
export function toEvent(move: Move, seq: number, at: string): TruceEvent {
  return { seq, id: `gen-${seq}`, type: move.type, at, data: move.data } as TruceEvent;
}

/** A weighted choice among candidates; `undefined` when there are none. */
export function choose(candidates: readonly Candidate[], pick: Pick): Candidate | undefined {
  const sum = candidates.reduce((a, c) => a + c.weight, 0);
  let n = pick(sum);
  for (const c of candidates) {
    if (n < c.weight) return c;
    n -= c.weight;
  }
  return undefined;
}
