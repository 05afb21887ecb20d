import fc from 'fast-check';
import type { TruceEvent } from '../../events/index.js';
import { type LegalLogConstraints, legalLog } from './legalLog.js';

/** The kinds of one change to a legal log. */
export const mutationKinds = ['drop', 'swap', 'duplicate', 'count', 'party'] as const;

/** One change to a legal log. */
export type MutationKind = (typeof mutationKinds)[number];

/** A legal log, the same log with one change, and the first line the change touches. */
export interface MutatedLog {
  original: TruceEvent[];
  mutated: TruceEvent[];
  kind: MutationKind;
  /** 1-based line of the mutated log where it first differs from the original. */
  line: number;
}

/**
 * A legal log with one change: an event dropped, two neighbours swapped, an event duplicated
 * (under a new id), a count changed, or a party changed. Seq, ids and times are renumbered
 * after a drop or a duplicate so the log stays well-formed and the machine must judge it.
 */
export function mutatedLog(constraints: LegalLogConstraints = {}): fc.Arbitrary<MutatedLog> {
  return legalLog(constraints).chain((original) =>
    fc
      .record({
        kind: fc.constantFrom(...mutationKinds),
        position: fc.nat({ max: Math.max(0, original.length - 1) }),
        value: fc.nat({ max: 1000 }),
      })
      .map(({ kind, position, value }) => mutate(original, kind, position, value)),
  );
}

/** Applies one mutation; when it cannot apply (e.g. no count to change), drops the event. */
export function mutate(
  original: readonly TruceEvent[],
  kind: MutationKind,
  position: number,
  value: number,
): MutatedLog {
  const copy = structuredClone(original) as TruceEvent[];
  const i = Math.min(position, copy.length - 1);
  switch (kind) {
    case 'swap': {
      const a = copy[i];
      const b = copy[i + 1];
      if (!a || !b) break;
      // Swap what happened, keep each line's seq, id and time.
      copy[i] = { ...a, type: b.type, data: b.data, source: b.source } as TruceEvent;
      copy[i + 1] = { ...b, type: a.type, data: a.data, source: a.source } as TruceEvent;
      if (a.source === undefined) delete copy[i + 1]?.source;
      if (b.source === undefined) delete copy[i]?.source;
      return { original: [...original], mutated: copy, kind, line: i + 1 };
    }
    case 'duplicate': {
      const e = copy[i];
      if (!e) break;
      copy.splice(i + 1, 0, structuredClone(e));
      return { original: [...original], mutated: renumber(copy), kind, line: i + 2 };
    }
    case 'count': {
      const found = findPath(copy, i, (key, v) => typeof v === 'number' && COUNT_KEYS.has(key));
      if (!found) break;
      const { event, holder, key } = found;
      const old = holder[key] as number;
      let next = key === 'days' ? 1 + (value % 30) : value % (2 * old + 5);
      if (next === old) next = old + 1;
      holder[key] = next;
      return { original: [...original], mutated: copy, kind, line: copy.indexOf(event) + 1 };
    }
    case 'party': {
      const found = findPath(copy, i, (key, v) => typeof v === 'string' && PARTY_KEYS.has(key));
      if (!found) break;
      const { event, holder, key } = found;
      const parties = Object.values(
        copy[0]?.type === 'negotiation.opened' ? copy[0].data.parties.map((p) => p.id) : [],
      );
      const choices = [...parties, 'nobody'].filter((p) => p !== holder[key]);
      holder[key] = choices[value % choices.length] ?? 'nobody';
      return { original: [...original], mutated: copy, kind, line: copy.indexOf(event) + 1 };
    }
    case 'drop':
      break;
  }
  copy.splice(i, 1);
  return { original: [...original], mutated: renumber(copy), kind: 'drop', line: i + 1 };
}

const COUNT_KEYS = new Set(['count', 'trucks', 'fuelTrucks', 'days', 'hostages', 'prisoners']);
const PARTY_KEYS = new Set(['by', 'from', 'against']);

/** The first field matching `test` in an event at or after `from` (wrapping around). */
function findPath(
  events: TruceEvent[],
  from: number,
  test: (key: string, value: unknown) => boolean,
): { event: TruceEvent; holder: Record<string, unknown>; key: string } | undefined {
  for (let k = 0; k < events.length; k++) {
    const event = events[(from + k) % events.length] as TruceEvent;
    const hit = search(event.data as Record<string, unknown>, test);
    if (hit) return { event, ...hit };
  }
  return undefined;
}

function search(
  node: Record<string, unknown>,
  test: (key: string, value: unknown) => boolean,
): { holder: Record<string, unknown>; key: string } | undefined {
  for (const [key, value] of Object.entries(node)) {
    if (test(key, value)) return { holder: node, key };
    if (value && typeof value === 'object') {
      const hit = search(value as Record<string, unknown>, test);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** Seq 1..n and ids to match, so a drop or duplicate leaves a well-formed log. */
function renumber(events: TruceEvent[]): TruceEvent[] {
  return events.map((e, i) => ({ ...e, seq: i + 1, id: `mut-${i + 1}` }));
}
