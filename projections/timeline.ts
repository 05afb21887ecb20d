import type { TruceEvent } from '../events/index.js';
import { summarizeTerms } from './summary.js';

/** One line of the timeline. */
export interface TimelineEntry {
  seq: number;
  at: string;
  type: TruceEvent['type'];
  text: string;
  source: string | null;
  confidence: string | null;
}

/** The party names the timeline needs, gathered from `negotiation.opened`. */
export type PartyNames = Record<string, string>;

/** Party names from an opening event; unchanged for any other event. */
export function evolvePartyNames(names: PartyNames, event: TruceEvent): PartyNames {
  if (event.type !== 'negotiation.opened') return names;
  const next: PartyNames = { ...names };
  for (const p of event.data.parties) next[p.id] = p.name;
  return next;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function counts(
  items: ReadonlyArray<{ count: number; category?: string; group?: string }>,
): string {
  return list(items.map((i) => `${i.count} ${i.category ?? i.group ?? ''}`.trim()));
}

/**
 * One plain-language sentence for an event, naming parties by name.
 *
 * @example
 * describeEvent(event, { qatar: 'Qatar' }); // "Qatar sent proposal nov22-deal …"
 */
export function describeEvent(event: TruceEvent, names: PartyNames): string {
  const name = (id: string | undefined): string =>
    id === undefined ? 'someone' : Object.hasOwn(names, id) ? (names[id] ?? id) : id;
  switch (event.type) {
    case 'negotiation.opened': {
      const principals = event.data.parties
        .filter((p) => p.role === 'principal')
        .map((p) => p.name);
      const mediators = event.data.parties.filter((p) => p.role === 'mediator').map((p) => p.name);
      return `Negotiation opened: ${event.data.title} (between ${list(principals)}${mediators.length ? `; mediators ${list(mediators)}` : ''})`;
    }
    case 'proposal.sent': {
      const d = event.data;
      const s = summarizeTerms(d.terms);
      const via = d.via?.length ? ` via ${list(d.via.map(name))}` : '';
      const to = d.to?.length ? ` to ${list(d.to.map(name))}` : '';
      const replaces = d.replaces ? `, replacing ${d.replaces}` : '';
      const hostages = s.hostages === null ? '' : `, ${plural(s.hostages, 'hostage')}`;
      return `${name(d.from)} sent proposal ${d.proposalId}${via}${to}${replaces}: ${plural(s.phases, 'phase')}, ${s.pauseDays === null ? 'an open-ended pause' : `${plural(s.pauseDays, 'day')} of pause`}${hostages}, ${s.permanentCeasefire ? 'with' : 'without'} a permanent ceasefire`;
    }
    case 'proposal.accepted':
      return `${name(event.data.by)} accepted proposal ${event.data.proposalId}`;
    case 'phase.accepted':
      return `${name(event.data.by)} accepted phase ${event.data.phase} of proposal ${event.data.proposalId}`;
    case 'proposal.rejected':
      return `${name(event.data.by)} rejected proposal ${event.data.proposalId}${event.data.reason ? `: ${event.data.reason}` : ''}`;
    case 'phase.started':
      return `Phase ${event.data.phase} began: the pause is in force`;
    case 'release.completed': {
      const d = event.data;
      const parts: string[] = [];
      const hostages = d.hostages ?? [];
      if (hostages.length) {
        const n = hostages.reduce((a, h) => a + h.count, 0);
        parts.push(`${plural(n, 'hostage')} under the deal (${counts(hostages)})`);
      }
      const prisoners = d.prisoners ?? [];
      if (prisoners.length) {
        const n = prisoners.reduce((a, p) => a + p.count, 0);
        parts.push(`${plural(n, 'prisoner')} (${counts(prisoners)})`);
      }
      const outside = d.outsideDeal ?? [];
      if (outside.length) {
        const n = outside.reduce((a, o) => a + o.count, 0);
        parts.push(`${n} outside the deal (${counts(outside)})`);
      }
      return `Phase ${d.phase} release: ${parts.length ? list(parts) : 'nobody'} released`;
    }
    case 'release.recounted':
      return `${counts(event.data.hostages)} released outside the deal now counted under phase ${event.data.phase}${event.data.reason ? `: ${event.data.reason}` : ''}`;
    case 'pause.extended': {
      const d = event.data;
      const extra = [
        d.hostages !== undefined ? plural(d.hostages, 'more hostage') : '',
        d.prisoners !== undefined ? plural(d.prisoners, 'more prisoner') : '',
      ].filter(Boolean);
      return `Pause of phase ${d.phase} extended by ${plural(d.days, 'day')}${extra.length ? ` for ${list(extra)}` : ''}`;
    }
    case 'aid.delivered': {
      const d = event.data;
      const fuel = d.fuelTrucks ? ` (${plural(d.fuelTrucks, 'fuel truck')})` : '';
      return `${plural(d.trucks, 'aid truck')}${fuel} delivered to ${d.region}`;
    }
    case 'violation.reported':
      return `${name(event.data.by)} reported a violation${event.data.against ? ` by ${name(event.data.against)}` : ''}: ${event.data.description}`;
    case 'phase.completed':
      return `Phase ${event.data.phase} completed`;
    case 'hostilities.resumed':
      return `Fighting resumed${event.data.by ? ` (${name(event.data.by)})` : ''}${event.data.reason ? `: ${event.data.reason}` : ''}`;
    case 'talks.suspended':
      return `${name(event.data.by)} suspended the talks${event.data.reason ? `: ${event.data.reason}` : ''}`;
    case 'talks.resumed':
      return `${name(event.data.by)} resumed the talks${event.data.reason ? `: ${event.data.reason}` : ''}`;
    case 'hostages.counted': {
      const n = Object.values(event.data.held).reduce((a, b) => a + b, 0);
      return `${plural(n, 'hostage')} counted as held (${Object.entries(event.data.held)
        .map(([c, k]) => `${k} ${c}`)
        .join(', ')})`;
    }
    case 'flareup.reported': {
      const d = event.data;
      const casualties = [
        d.killed !== undefined ? `${d.killed} killed` : '',
        d.wounded !== undefined ? `${d.wounded} wounded` : '',
      ].filter(Boolean);
      return `Flare-up inside the ceasefire: ${name(d.by)}${d.against ? ` against ${name(d.against)}` : ''}: ${d.description}${casualties.length ? ` (${list(casualties)})` : ''}`;
    }
    case 'ceasefire.restored':
      return `Ceasefire restored${event.data.by ? ` (${name(event.data.by)})` : ''}${event.data.description ? `: ${event.data.description}` : ''}`;
    case 'remains.returned':
      return `${name(event.data.by)} returned the remains of ${event.data.count}${event.data.phase !== undefined ? ` (phase ${event.data.phase})` : ''}`;
    case 'demand.stated':
      return `${name(event.data.by)} demanded publicly: ${event.data.description}`;
    case 'forces.withdrawn':
      return `${name(event.data.by)} withdrew to ${event.data.line}`;
    case 'talks.started':
      return `Talks on phase ${event.data.phase} began${event.data.by?.length ? ` (${list(event.data.by.map(name))})` : ''}${event.data.description ? `: ${event.data.description}` : ''}`;
    default: {
      const unreachable: never = event;
      return (unreachable as TruceEvent).type;
    }
  }
}

/** The timeline entry for an event. */
export function timelineEntry(event: TruceEvent, names: PartyNames): TimelineEntry {
  return {
    seq: event.seq,
    at: event.at,
    type: event.type,
    text: describeEvent(event, names),
    source: event.source?.name ?? null,
    confidence: event.source?.confidence ?? null,
  };
}
