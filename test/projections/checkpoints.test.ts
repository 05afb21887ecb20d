import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TruceEvent } from '../../events/index.js';
import type { DecidedEvent } from '../../machines/index.js';
import {
  type DealProjection,
  evolveDealProjectionMany,
  initialDealProjection,
  type ListEdit,
  PROJECTION_LISTS,
  ProjectionFolder,
} from '../../projections/index.js';
import { decideEvents } from '../../replay/index.js';
import { generatedLog } from '../../testing/generator/generatedLog.js';
import { legalLog } from '../../testing/generator/legalLog.js';
import { checkAsyncProperty, checkProperty, numRuns } from '../properties/settings.js';

// The checkpoint cache asks the fold for a checkpoint every thousand events, kept or not, and
// writes each one's long lists as the edits the fold reports. A fold that hands out checkpoints
// copies what it writes after each one; these properties hold it to a fold that never hands
// anything out (the oracle: a fresh fold of the events so far, from scratch), at every
// checkpoint, whatever the points and kinds of the hand-outs.

/** What a hand-out after an event is: none, a checkpoint kept, one not kept, or a projection. */
type HandOut = 'none' | 'kept' | 'not kept' | 'projection';

const handOut: fc.Arbitrary<HandOut> = fc.constantFrom('none', 'kept', 'not kept', 'projection');

/** The JSON a user (and the cache) would see of a value: key order and all. */
const text = (value: unknown): string => JSON.stringify(value);

/** `value` and everything reachable from it frozen: a fold that writes to it throws. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The projection without its long lists (what the cache compares itself). */
function withoutLists(p: DealProjection): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...p };
  for (const key of PROJECTION_LISTS) delete rest[key];
  return rest;
}

/**
 * Checks `edits` against the long lists as they were at the last checkpoint (`before`, their
 * JSON then) and as the oracle has them now (`after`): per list in {@link PROJECTION_LISTS}
 * order, the replaced entries in index order, each with what it was then and is now (an entry
 * not changed may be among them, truthfully), every entry that changed among them, then every
 * appended entry, and nothing else.
 */
function expectEdits(edits: readonly ListEdit[], before: DealProjection, after: DealProjection) {
  const seen: ListEdit[] = [];
  for (const key of PROJECTION_LISTS) {
    const was: unknown[] = before[key];
    const now: unknown[] = after[key];
    const ofList = edits.filter((e) => e.list === key);
    const replaced = ofList.filter((e) => 'was' in e);
    const appended = ofList.filter((e) => !('was' in e));
    expect(ofList).toEqual([...replaced, ...appended]);
    let last = -1;
    for (const e of replaced) {
      expect(e.index).toBeGreaterThan(last);
      expect(e.index).toBeLessThan(was.length);
      expect(text(e.was)).toBe(text(was[e.index]));
      expect(text(e.item)).toBe(text(now[e.index]));
      last = e.index;
    }
    const reported = new Set(replaced.map((e) => e.index));
    for (let i = 0; i < was.length; i++) {
      if (text(was[i]) !== text(now[i])) expect(reported.has(i), `${key}[${i}] changed`).toBe(true);
    }
    expect(appended.map((e) => e.index)).toEqual(
      Array.from({ length: now.length - was.length }, (_, k) => was.length + k),
    );
    for (const e of appended) expect(text(e.item)).toBe(text(now[e.index]));
    seen.push(...replaced, ...appended);
  }
  expect(edits).toEqual(seen);
}

/** What was handed out, as it was then, to be compared at the end. */
interface Handed {
  kind: HandOut;
  p: DealProjection;
  clone: DealProjection;
  /** The entries of the long lists as handed out (not kept: the lists change, these do not). */
  entries: Record<string, unknown[]>;
}

/**
 * Folds `decided` from `start` (the events before it already in `given`), handing out after
 * each event as `plan` says, and checks every checkpoint against a fold from scratch.
 */
function foldWithHandOuts(
  decided: readonly DecidedEvent[],
  start: number,
  given: DealProjection,
  plan: readonly HandOut[],
): void {
  const givenClone = structuredClone(given);
  const folder = new ProjectionFolder(given);
  /** The long lists as of the last checkpoint (or the start), as their JSON said then. */
  let lists: DealProjection = JSON.parse(text(given));
  const handed: Handed[] = [];
  for (let i = start; i < decided.length; i++) {
    folder.fold(decided[i] as DecidedEvent);
    const kind = plan[i % plan.length] ?? 'none';
    if (kind === 'none') continue;
    const oracle: DealProjection = JSON.parse(
      text(evolveDealProjectionMany(initialDealProjection, decided.slice(0, i + 1))),
    );
    let p: DealProjection;
    if (kind === 'projection') p = folder.projection();
    else {
      const taken = folder.checkpoint(kind === 'kept');
      p = taken.projection;
      expectEdits(taken.lists, lists, oracle);
      lists = JSON.parse(text(p));
    }
    expect(text(p)).toBe(text(oracle));
    const entries = Object.fromEntries(PROJECTION_LISTS.map((key) => [key, [...p[key]]]));
    handed.push({ kind, p, clone: structuredClone(p), entries });
    // A write to what was handed out throws from here on: all of it, but the long lists of a
    // checkpoint not kept (their entries as they are now are handed out, the lists are not).
    if (kind !== 'not kept') deepFreeze(p);
    else {
      for (const [key, value] of Object.entries(p)) {
        if ((PROJECTION_LISTS as readonly string[]).includes(key)) {
          for (const entry of value as unknown[]) deepFreeze(entry);
        } else deepFreeze(value);
      }
      Object.freeze(p);
    }
  }
  expect(text(folder.projection())).toBe(
    text(evolveDealProjectionMany(initialDealProjection, decided)),
  );
  expect(given).toStrictEqual(givenClone);
  for (const { kind, p, clone, entries } of handed) {
    if (kind === 'not kept') {
      // Its long lists went on as the fold's own; all else, and each entry as it was, stayed.
      expect(withoutLists(p)).toStrictEqual(withoutLists(clone));
      for (const key of PROJECTION_LISTS) expect(entries[key]).toStrictEqual(clone[key]);
    } else expect(p).toStrictEqual(clone);
  }
}

describe('a fold that hands out checkpoints', () => {
  it('gives at every checkpoint, kept or not, the projection and list edits of a fold from scratch, and never changes what it kept or was given (property)', () => {
    checkProperty(
      'projection-checkpoints-from-scratch',
      fc.property(
        legalLog({ maxEvents: 60 }),
        fc.array(handOut, { minLength: 1, maxLength: 60 }),
        fc.nat(),
        fc.boolean(),
        (events, plan, split, fromGiven) => {
          const decided = decideEvents(events);
          // From the initial projection (the fold owns it until its first hand-out), or from a
          // state given part way, frozen: a fold that wrote to it would throw.
          const start = fromGiven ? split % (decided.length + 1) : 0;
          const given = fromGiven
            ? deepFreeze(
                JSON.parse(
                  text(evolveDealProjectionMany(initialDealProjection, decided.slice(0, start))),
                ),
              )
            : initialDealProjection;
          foldWithHandOuts(decided, start, given, plan);
        },
      ),
      (events, _plan, _split, _fromGiven) => events,
    );
  });

  it('holds over long logs whose lists reach a hundred entries, with hand-outs far apart (property)', async () => {
    const logs = new Map<number, DecidedEvent[]>();
    const decidedOf = (seed: number): DecidedEvent[] => {
      let decided = logs.get(seed);
      if (decided === undefined) {
        decided = decideEvents([...generatedLog({ events: 2_500, seed })]);
        logs.set(seed, decided);
      }
      return decided;
    };
    // A run folds thousands of events from scratch at each of its twenty-odd hand-outs: a
    // quarter of the suite's runs.
    await checkAsyncProperty(
      'projection-checkpoints-long-log',
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        // Mostly folding on: a hand-out every hundred events or so.
        fc.array(
          fc.oneof(
            { weight: 120, arbitrary: fc.constant<HandOut>('none') },
            { weight: 1, arbitrary: handOut },
          ),
          { minLength: 200, maxLength: 600 },
        ),
        async (seed, plan) => foldWithHandOuts(decidedOf(seed), 0, initialDealProjection, plan),
      ),
      (seed, _plan): TruceEvent[] => decidedOf(seed).map((d) => d.event),
      Math.ceil(numRuns / 4),
    );
  }, 600_000);

  it('given a long log, then its lists reach dozens of entries (so the long-log property tests them)', () => {
    const decided = decideEvents([...generatedLog({ events: 2_500, seed: 1 })]);
    const p = evolveDealProjectionMany(initialDealProjection, decided);
    expect(p.obligations.length).toBeGreaterThanOrEqual(10);
    expect(p.flareUps.length).toBeGreaterThanOrEqual(50);
    expect(p.proposals.length).toBeGreaterThanOrEqual(15);
  });
});
