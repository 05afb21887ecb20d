import type { Obligation, PhaseTerms } from '../events/index.js';

/** An obligation of a phase in force, with its deadline resolved to an instant. */
export interface ObligationDue {
  /** The phase whose terms state it. */
  phase: number;
  party: string;
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
  return (terms.obligations ?? []).map((o) => {
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
    };
  });
}

/** The instant `ms` written in the zone `reference` is written in (`Z` or `±hh:mm`), to the second. */
function inZoneOf(ms: number, reference: string): string {
  const zone = /(Z|[+-]\d{2}:\d{2})$/.exec(reference)?.[1] ?? 'Z';
  if (zone === 'Z') return `${new Date(ms).toISOString().slice(0, 19)}Z`;
  const sign = zone.startsWith('-') ? -1 : 1;
  const offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  return `${new Date(ms + offset).toISOString().slice(0, 19)}${zone}`;
}
