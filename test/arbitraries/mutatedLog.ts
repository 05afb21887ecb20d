import fc from 'fast-check';
import type { TruceEvent } from '../../events/index.js';
import { type LegalLogConstraints, legalLog } from '../../testing/generator/legalLog.js';
import { allowanceOf, DealModel, ownValue, sum } from '../properties/oracles/index.js';

/**
 * The changes that break a rule of the README by construction, each with the rule code the
 * machine must reject it with, at the changed line.
 */
export const breakingKinds = {
  'drop-opening': 'log.notOpened',
  reopen: 'log.alreadyOpened',
  'undeclared-party': 'party.notDeclared',
  'mediator-accepts': 'party.notPrincipal',
  'resend-proposal': 'proposal.duplicate',
  'accept-twice': 'acceptance.duplicate',
  'accept-phase-twice': 'acceptance.phaseDuplicate',
  'start-wrong-phase': 'phase.notNext',
  'start-twice': 'phase.stillInProgress',
  'release-before-phase': 'phase.notInProgress',
  'complete-early': 'phase.incomplete',
  'count-above-terms': 'release.exceedsTerms',
  'count-above-total': 'release.exceedsTotal',
  'category-not-named': 'release.categoryNotNamed',
  'extension-off-rule': 'extension.hostagesMismatch',
} as const;

/** A change that breaks a named rule. */
export type BreakingKind = keyof typeof breakingKinds;

/**
 * Changes that may leave the log legal (an aid report dropped, two talks events swapped, a
 * count or a party changed to another legal one): the log replays, or is rejected at or after
 * the change, never before it.
 */
export const neutralKinds = ['drop', 'swap', 'duplicate', 'count', 'party'] as const;

/** A change that may leave the log legal. */
export type NeutralKind = (typeof neutralKinds)[number];

/** One change to a legal log. */
export type MutationKind = BreakingKind | NeutralKind;

/** Every kind, the breaking ones first. */
export const mutationKinds: readonly MutationKind[] = [
  ...(Object.keys(breakingKinds) as BreakingKind[]),
  ...neutralKinds,
];

/** A legal log, the same log with one change, and where and how the change must show. */
export interface MutatedLog {
  original: TruceEvent[];
  mutated: TruceEvent[];
  kind: MutationKind;
  /** 1-based line of the mutated log where it first differs from the original. */
  line: number;
  /**
   * The rule code the change breaks: the machine must reject line {@link line} with it.
   * Absent for a neutral change, which may stay legal.
   */
  breaks?: string;
}

/**
 * A legal log with one change. The kind is drawn first; a breaking kind finds, from a drawn
 * position on, an event it can break (a release to push over its terms, an acceptance to
 * repeat…) and says which rule it breaks; when the log has none, a neutral drop stands in.
 * Seq and ids are renumbered after an insertion or a drop, so the log stays well-formed and
 * the machine must judge it.
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

/** The model of the deal just before event `index` of `events`. */
function modelBefore(events: readonly TruceEvent[], index: number): DealModel {
  const model = new DealModel();
  for (const event of events.slice(0, index)) model.apply(event);
  return model;
}

/** What a breaking change does at event `i`, given the model before it; undefined: not here. */
type Breaker = (
  copy: TruceEvent[],
  i: number,
  model: DealModel,
  value: number,
) => { line: number; renumber: boolean } | undefined;

const PARTY_FIELDS = ['by', 'from', 'against'] as const;

const breakers: Record<BreakingKind, Breaker> = {
  'drop-opening': (copy, i) => {
    if (i !== 0 || copy.length < 2) return undefined;
    copy.splice(0, 1);
    return { line: 1, renumber: true };
  },
  reopen: (copy, i) => {
    const e = copy[i];
    if (i !== 0 || !e) return undefined;
    copy.splice(1, 0, structuredClone(e));
    return { line: 2, renumber: true };
  },
  'undeclared-party': (copy, i) => {
    const data = copy[i]?.data as Record<string, unknown> | undefined;
    if (!data) return undefined;
    for (const field of PARTY_FIELDS) {
      if (typeof data[field] === 'string') {
        data[field] = 'nobody';
        return { line: i + 1, renumber: false };
      }
    }
    const outside = (data.outsideDeal as Array<{ by?: string }> | undefined)?.find(
      (o) => o.by !== undefined,
    );
    if (outside) {
      outside.by = 'nobody';
      return { line: i + 1, renumber: false };
    }
    return undefined;
  },
  'mediator-accepts': (copy, i, model, value) => {
    const e = copy[i];
    if (
      !e ||
      (e.type !== 'proposal.accepted' &&
        e.type !== 'phase.accepted' &&
        e.type !== 'proposal.rejected')
    ) {
      return undefined;
    }
    const others = Object.keys(model.parties).filter(
      (p) => ownValue(model.parties, p)?.role !== 'principal',
    );
    const by = others[value % Math.max(1, others.length)];
    if (by === undefined) return undefined;
    e.data.by = by;
    return { line: i + 1, renumber: false };
  },
  'resend-proposal': (copy, i) => duplicateIf(copy, i, (e) => e.type === 'proposal.sent'),
  'accept-twice': (copy, i) => duplicateIf(copy, i, (e) => e.type === 'proposal.accepted'),
  'accept-phase-twice': (copy, i) => duplicateIf(copy, i, (e) => e.type === 'phase.accepted'),
  'start-wrong-phase': (copy, i, model, value) => {
    const e = copy[i];
    if (e?.type !== 'phase.started') return undefined;
    e.data.phase = model.nextPhase + 1 + (value % 3);
    return { line: i + 1, renumber: false };
  },
  'start-twice': (copy, i) => duplicateIf(copy, i, (e) => e.type === 'phase.started'),
  'release-before-phase': (copy, i, model) => {
    const e = copy[i];
    if (i !== 0 || !e || model.phase !== 0) return undefined;
    copy.splice(1, 0, {
      seq: 2,
      id: 'early',
      type: 'release.completed',
      at: e.at,
      data: { phase: 1, hostages: [{ category: 'women', count: 1 }] },
    });
    return { line: 2, renumber: true };
  },
  'complete-early': (copy, i) => {
    const e = copy[i];
    if (e?.type !== 'phase.started') return undefined;
    const after = modelBefore(copy, i + 1).inProgress;
    if (!after) return undefined;
    const limits = Object.values(allowanceOf(after.terms).perCategory);
    if (!limits.some((n) => n !== undefined && n > 0)) return undefined;
    copy.splice(i + 1, 0, {
      seq: 0,
      id: 'early',
      type: 'phase.completed',
      at: e.at,
      data: { phase: e.data.phase },
    });
    return { line: i + 2, renumber: true };
  },
  'count-above-terms': (copy, i, model, value) => {
    const e = copy[i];
    const progress = model.inProgress;
    if (e?.type !== 'release.completed' || !progress) return undefined;
    const h = e.data.hostages?.[0];
    if (!h || e.data.hostages?.length !== 1) return undefined;
    const limit = ownValue(allowanceOf(progress.terms).perCategory, h.category);
    if (limit === undefined) return undefined;
    const due = limit + progress.extensionHostages - (ownValue(progress.released, h.category) ?? 0);
    h.count = Math.max(0, due) + 1 + (value % 3);
    return { line: i + 1, renumber: false };
  },
  'count-above-total': (copy, i, model) => {
    // Extensions raise every category's limit but the total only once: two categories each
    // released up to their own limit then overshoot the total.
    const e = copy[i];
    const progress = model.inProgress;
    if (e?.type !== 'release.completed' || !progress || progress.extensionHostages === 0) {
      return undefined;
    }
    const { perCategory, total } = allowanceOf(progress.terms);
    if (total === undefined) return undefined;
    const dueIn = (c: string) =>
      (ownValue(perCategory, c) ?? 0) +
      progress.extensionHostages -
      (ownValue(progress.released, c) ?? 0);
    const hostages = Object.keys(perCategory)
      .filter((c) => dueIn(c) > 0)
      .map((category) => ({ category, count: dueIn(category) }));
    const totalDue = total + progress.extensionHostages - sum(progress.released);
    if (hostages.reduce((a, h) => a + h.count, 0) <= totalDue) return undefined;
    e.data.hostages = hostages;
    return { line: i + 1, renumber: false };
  },
  'category-not-named': (copy, i, model) => {
    const e = copy[i];
    const progress = model.inProgress;
    if (e?.type !== 'release.completed' || !progress) return undefined;
    const h = e.data.hostages?.[0];
    if (!h) return undefined;
    h.category = 'unnamed-category';
    return { line: i + 1, renumber: false };
  },
  'extension-off-rule': (copy, i, model, value) => {
    const e = copy[i];
    const rule = model.inProgress?.terms.extension;
    if (e?.type !== 'pause.extended' || !rule) return undefined;
    e.data.hostages = e.data.days * rule.hostagesPerDay + 1 + (value % 3);
    return { line: i + 1, renumber: false };
  },
};

function duplicateIf(
  copy: TruceEvent[],
  i: number,
  test: (event: TruceEvent) => boolean,
): { line: number; renumber: boolean } | undefined {
  const e = copy[i];
  if (!e || !test(e)) return undefined;
  copy.splice(i + 1, 0, structuredClone(e));
  return { line: i + 2, renumber: true };
}

/**
 * Applies one change. A breaking kind looks for an event it can break from `position` on
 * (wrapping round); when there is none, and for a neutral kind that cannot apply, the event at
 * `position` is dropped instead (a neutral change).
 */
export function mutate(
  original: readonly TruceEvent[],
  kind: MutationKind,
  position: number,
  value: number,
): MutatedLog {
  const base = { original: [...original] };
  if (Object.hasOwn(breakingKinds, kind)) {
    const breaking = kind as BreakingKind;
    for (let k = 0; k < original.length; k++) {
      const i = (position + k) % original.length;
      const copy = structuredClone(original) as TruceEvent[];
      const done = breakers[breaking](copy, i, modelBefore(original, i), value);
      if (!done) continue;
      return {
        ...base,
        mutated: done.renumber ? renumber(copy) : copy,
        kind: breaking,
        line: done.line,
        breaks: breakingKinds[breaking],
      };
    }
    return dropAt(original, position);
  }
  const copy = structuredClone(original) as TruceEvent[];
  const i = Math.min(position, copy.length - 1);
  switch (kind as NeutralKind) {
    case 'swap': {
      const a = copy[i];
      const b = copy[i + 1];
      if (!a || !b) break;
      // Swap what happened, keep each line's seq, id and time.
      copy[i] = { ...a, type: b.type, data: b.data, source: b.source } as TruceEvent;
      copy[i + 1] = { ...b, type: a.type, data: a.data, source: a.source } as TruceEvent;
      if (a.source === undefined) delete copy[i + 1]?.source;
      if (b.source === undefined) delete copy[i]?.source;
      return { ...base, mutated: copy, kind: 'swap', line: i + 1 };
    }
    case 'duplicate': {
      const e = copy[i];
      if (!e) break;
      copy.splice(i + 1, 0, structuredClone(e));
      return { ...base, mutated: renumber(copy), kind: 'duplicate', line: i + 2 };
    }
    case 'count': {
      const found = findPath(copy, i, (key, v) => typeof v === 'number' && COUNT_KEYS.has(key));
      if (!found) break;
      const { event, holder, key } = found;
      const old = holder[key] as number;
      let next = key === 'days' ? 1 + (value % 30) : value % (2 * old + 5);
      if (next === old) next = old + 1;
      holder[key] = next;
      return { ...base, mutated: copy, kind: 'count', line: copy.indexOf(event) + 1 };
    }
    case 'party': {
      const found = findPath(copy, i, (key, v) => typeof v === 'string' && PARTY_KEYS.has(key));
      if (!found) break;
      const { event, holder, key } = found;
      const parties = copy[0]?.type === 'negotiation.opened' ? copy[0].data.parties : [];
      const choices = parties.map((p) => p.id).filter((p) => p !== holder[key]);
      const next = choices[value % Math.max(1, choices.length)];
      if (next === undefined) break;
      holder[key] = next;
      return { ...base, mutated: copy, kind: 'party', line: copy.indexOf(event) + 1 };
    }
    case 'drop':
      break;
  }
  return dropAt(original, position);
}

function dropAt(original: readonly TruceEvent[], position: number): MutatedLog {
  const copy = structuredClone(original) as TruceEvent[];
  const i = Math.min(position, copy.length - 1);
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

/** Seq 1..n and ids to match, so an insertion or a drop leaves a well-formed log. */
function renumber(events: TruceEvent[]): TruceEvent[] {
  return events.map((e, i) => ({ ...e, seq: i + 1, id: `mut-${i + 1}` }));
}
