import type { Obligation, PhaseTerms } from '../events/index.js';

/** An obligation of a phase in force, with its deadline resolved to an instant. */
export interface ObligationDue {
  /** The phase whose terms state it. */
  phase: number;
  /** Who owes it; null for a round of a release schedule (a schedule names days, not parties). */
  party: string | null;
  what: Obligation['what'];
  category: string | null;
  /** How many are owed; null for talks and a withdrawal (one event meets them). */
  count: number | null;
  /** Withdrawal: the line; talks: null. */
  line: string | null;
  /** Talks: the phase they are about. */
  talksOn: number | null;
  /** The deadline, an ISO instant; null: as soon as possible (never overdue). */
  due: string | null;
  /** The day of the release schedule's round it comes from; null for a stated obligation. */
  round: number | null;
}

const HOUR_MS = 3_600_000;

/**
 * The obligations a phase's terms state, their deadlines counted from the phase's start: the
 * machine resolves them when the phase starts.
 *
 * @example
 * obligationsOf(1, terms, '2025-10-10T12:00:00+03:00')[0]?.due; // '2025-10-13T12:00:00+03:00'
 */
export function obligationsOf(
  phase: number,
  terms: PhaseTerms,
  startedAt: string,
): ObligationDue[] {
  const start = Date.parse(startedAt);
  const stated = (terms.obligations ?? []).map((o): ObligationDue => {
    let due: string | null = null;
    if (o.withinHours !== undefined) due = inZoneOf(start + o.withinHours * HOUR_MS, startedAt);
    else if (o.withinDays !== undefined) {
      due = inZoneOf(start + o.withinDays * 24 * HOUR_MS, startedAt);
    } else if (o.by !== undefined) due = o.by;
    const counted = o.what === 'hostages' || o.what === 'remains' || o.what === 'prisoners';
    return {
      phase,
      party: o.party,
      what: o.what,
      category: o.category ?? null,
      count: counted ? (o.count ?? 0) : null,
      line: o.what === 'withdrawal' ? (o.line ?? null) : null,
      talksOn: o.what === 'talks' ? (o.phase ?? phase + 1) : null,
      due,
      round: null,
    };
  });
  return [...stated, ...scheduled(phase, terms, startedAt)];
}

/**
 * The release schedule's rounds as obligations: by the end of round day D (D × 24 hours from the
 * phase's start, day 1 being the day it starts), every hostage of a category the rounds up to D
 * name with a count (remains for `bodies`), and every prisoner they name, are due. Counts add
 * up over the rounds, since releases count from the phase's start; a category once named without
 * a count ("counts unknown") owes nothing countable from then on.
 */
function scheduled(phase: number, terms: PhaseTerms, startedAt: string): ObligationDue[] {
  const start = Date.parse(startedAt);
  const rounds = [...(terms.schedule ?? [])].sort((a, b) => a.day - b.day);
  const hostages = new Map<string, number | null>();
  let prisoners = 0;
  const out: ObligationDue[] = [];
  for (const round of rounds) {
    const due = inZoneOf(start + round.day * 24 * HOUR_MS, startedAt);
    const named: string[] = [];
    for (const h of round.hostages ?? []) {
      const prior = hostages.get(h.category);
      const sum = prior === null || h.count === undefined ? null : (prior ?? 0) + h.count;
      hostages.set(h.category, sum);
      if (!named.includes(h.category)) named.push(h.category);
    }
    const base = { phase, party: null, line: null, talksOn: null, due, round: round.day };
    for (const category of named) {
      const count = hostages.get(category);
      if (count === null || count === undefined) continue;
      const what = category === 'bodies' ? 'remains' : 'hostages';
      out.push({ ...base, what, category, count });
    }
    if (round.prisoners !== undefined) {
      prisoners += round.prisoners;
      out.push({ ...base, what: 'prisoners', category: null, count: prisoners });
    }
  }
  return out;
}

/** The instant `ms` written in the zone `reference` is written in (`Z` or `±hh:mm`), to the second. */
function inZoneOf(ms: number, reference: string): string {
  const zone = /(Z|[+-]\d{2}:\d{2})$/.exec(reference)?.[1] ?? 'Z';
  if (zone === 'Z') return `${new Date(ms).toISOString().slice(0, 19)}Z`;
  const sign = zone.startsWith('-') ? -1 : 1;
  const offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  return `${new Date(ms + offset).toISOString().slice(0, 19)}${zone}`;
}

/** What an event does toward obligations, as the machine resolved it. */
export type ObligationStep =
  /** A release item of phase attempt `attempt`: living hostages, remains or prisoners. */
  | {
      kind: 'release';
      attempt: number;
      what: 'hostages' | 'remains' | 'prisoners';
      category: string;
    }
  /** Forces withdrawn by `party` to `line`. */
  | { kind: 'withdrawal'; party: string; line: string }
  /** Talks begun on phase `phase`. */
  | { kind: 'talks'; phase: number };

/**
 * Whether `step` counts toward obligation `o` (of phase attempt `attempt`): a release item toward
 * the obligations of its own phase attempt for what it is (living hostages, remains, prisoners),
 * of its category or of any; a withdrawal toward its party's withdrawal to that line; talks
 * toward talks on that phase. The one place this is decided; the projections count by it.
 *
 * @example
 * countsToward(o, { kind: 'talks', phase: 2 });
 */
export function countsToward(
  o: ObligationDue & { attempt: number },
  step: ObligationStep,
): boolean {
  switch (step.kind) {
    case 'release':
      return (
        o.attempt === step.attempt &&
        o.what === step.what &&
        (o.category === null || o.category === step.category)
      );
    case 'withdrawal':
      return o.what === 'withdrawal' && o.party === step.party && o.line === step.line;
    case 'talks':
      return o.what === 'talks' && o.talksOn === step.phase;
  }
}

/**
 * A key an obligation shares with every step that counts toward it: whenever
 * `countsToward(o, step)`, `obligationKey(o) === stepKey(step)`. A projection files its
 * obligations by this key and asks {@link countsToward} only about those filed under the step's
 * key, instead of about every obligation of the log (a million-event log has thousands, and half
 * a million releases). Keys decide nothing: two obligations may share one, and
 * {@link countsToward} still has the last word on each.
 *
 * @example
 * obligationKey({ what: 'talks', talksOn: 2, … }) === stepKey({ kind: 'talks', phase: 2 }); // true
 */
export function obligationKey(o: ObligationDue & { attempt: number }): string {
  switch (o.what) {
    case 'withdrawal':
      return `withdrawal\u0000${o.party}\u0000${o.line}`;
    case 'talks':
      return `talks\u0000${o.talksOn}`;
    default:
      return `release\u0000${o.attempt}\u0000${o.what}`;
  }
}

/** The key of the obligations `step` may count toward: see {@link obligationKey}. */
export function stepKey(step: ObligationStep): string {
  switch (step.kind) {
    case 'release':
      return `release\u0000${step.attempt}\u0000${step.what}`;
    case 'withdrawal':
      return `withdrawal\u0000${step.party}\u0000${step.line}`;
    case 'talks':
      return `talks\u0000${step.phase}`;
  }
}

/** How many an obligation needs before it is met: its count, or one event (talks, withdrawal). */
export function obligationTarget(o: ObligationDue): number {
  return o.count ?? 1;
}

/** Where an obligation stands at an instant. */
export type ObligationStatus = 'open' | 'met' | 'overdue';

/**
 * Where an obligation stands at `asOf`: `met` once what counts toward it reached its count (for
 * good: a later instant never changes that), `overdue` when its deadline has passed unmet,
 * else `open`. An obligation with no deadline ("as soon as possible") is never overdue.
 *
 * @example
 * obligationStatus({ due: '2025-10-13T12:00:00+03:00', metAt: null }, '2025-10-14T12:00:00+03:00'); // 'overdue'
 */
export function obligationStatus(
  o: { due: string | null; metAt: string | null },
  asOf: string | null,
): ObligationStatus {
  if (o.metAt !== null) return 'met';
  if (o.due !== null && asOf !== null && Date.parse(asOf) > Date.parse(o.due)) return 'overdue';
  return 'open';
}
