import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Replayer } from '../../replay/index.js';
import { applyStateDelta, fieldEdits, stateDelta } from '../../store/stateDelta.js';
import { legalLog } from '../../testing/generator/legalLog.js';
import { ceasefireLog } from '../arbitraries/ceasefireLog.js';
import { checkProperty } from '../properties/settings.js';

// The checkpoint cache's delta checkpoints: the edits between two states, applied to the first
// one's JSON, give the second one's JSON text exactly (key order included). The oracle is
// JSON.stringify of the second state; it never calls the diff.

/** The first state's JSON, edited, written again. */
function edited(before: unknown, after: unknown): string {
  const edits = stateDelta(before, after);
  // As the cache stores them: through JSON.
  const stored = JSON.parse(JSON.stringify(edits));
  return JSON.stringify(applyStateDelta(JSON.parse(JSON.stringify(before)), stored));
}

describe('the edits between two states', () => {
  it('of a record field by field, when given, turn it into the other record as JSON.stringify writes it (property)', () => {
    // Records alike in keys (the entries of a long list), some fields changed, some not there.
    const field = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));
    const keys = fc.uniqueArray(fc.string({ maxLength: 3 }), { maxLength: 5 });
    const pair = keys.chain((names) =>
      fc
        .tuple(
          fc.tuple(...names.map(() => field)),
          fc.tuple(...names.map(() => fc.oneof(field, fc.constant('same')))),
          fc.boolean(),
        )
        .map(([a, b, reorder]) => {
          const was = Object.fromEntries(names.map((k, i) => [k, a[i]]));
          const order = reorder ? [...names].reverse() : names;
          const item = Object.fromEntries(
            order.map((k) => [k, b[names.indexOf(k)] === 'same' ? was[k] : b[names.indexOf(k)]]),
          );
          return { was, item };
        }),
    );
    let taken = 0;
    checkProperty(
      'state-delta-field-edits',
      fc.property(pair, ({ was, item }) => {
        const edits: Parameters<typeof fieldEdits>[3] = [[['kept'], 1]];
        if (!fieldEdits(['list', 0], was, item, edits)) {
          // Nothing added when it declines: the general walk finds the edits then.
          if (edits.length !== 1) throw new Error('declined but added edits');
          return;
        }
        taken++;
        const stored = JSON.parse(JSON.stringify(edits.slice(1)));
        const state = { list: [JSON.parse(JSON.stringify(was))] };
        const out = JSON.stringify((applyStateDelta(state, stored) as typeof state).list[0]);
        if (out !== JSON.stringify(item)) throw new Error(`${out} is not ${JSON.stringify(item)}`);
      }),
      () => [],
    );
    expect(taken).toBeGreaterThan(0);
  });

  it('turn any JSON value into any other, as JSON.stringify writes it (property)', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    checkProperty(
      'state-delta-any-values',
      fc.property(json, json, (a, b) => {
        if (edited(a, b) !== JSON.stringify(b)) throw new Error('the edited state differs');
      }),
      () => [],
    );
  });

  it('turn a replay state at one seq into the state at a later seq, sharing what did not change (property)', () => {
    const logs = fc.oneof(
      legalLog({ maxEvents: 40 }),
      ceasefireLog.map((c) => c.events),
    );
    checkProperty(
      'state-delta-replay-states',
      fc.property(
        logs,
        fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 6 }),
        (events, cuts) => {
          const replayer = new Replayer();
          const at = new Set(cuts.map((k) => Math.min(k, events.length)));
          let previous = replayer.snapshot();
          for (const [i, event] of events.entries()) {
            try {
              replayer.apply(event);
            } catch {
              break;
            }
            if (!at.has(i + 1)) continue;
            const now = replayer.snapshot();
            if (edited(previous, now) !== JSON.stringify(now)) {
              throw new Error(`the state after seq ${event.seq} differs once edited`);
            }
            previous = now;
          }
        },
      ),
      (events, _cuts) => events,
    );
  });

  it('applied by copying, turn any JSON value into any other and leave the value given as it was (property)', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    checkProperty(
      'state-delta-copy',
      fc.property(json, json, (a, b) => {
        const stored = JSON.parse(JSON.stringify(stateDelta(a, b)));
        const given = JSON.parse(JSON.stringify(a));
        const before = JSON.stringify(given);
        const out = applyStateDelta(given, stored, { copy: true });
        if (JSON.stringify(out) !== JSON.stringify(b)) throw new Error('the edited state differs');
        if (JSON.stringify(given) !== before) throw new Error('the state given was changed');
      }),
      () => [],
    );
  });

  it('applied by copying, keep an object held in two places shared unless an edit goes through it, and then change only the place edited', () => {
    const terms = { days: 42, hostages: [{ category: 'women', count: 33 }] };
    const untouched = { days: 7 };
    const state = {
      machine: { terms, other: untouched },
      projection: { terms, other: untouched, ['__proto__']: { n: 1 } },
    };
    const out = applyStateDelta(
      state,
      [
        [['machine', 'terms', 'days'], 43],
        [['projection', '__proto__', 'n'], 2],
      ],
      { copy: true },
    ) as typeof state;
    expect(out.machine.terms.days).toBe(43);
    expect(out.projection.terms).toBe(terms);
    expect(terms.days).toBe(42);
    expect(out.machine.terms.hostages).toBe(terms.hostages);
    expect(out.machine.other).toBe(out.projection.other);
    expect(JSON.stringify(out.projection)).toContain('"__proto__":{"n":2}');
    expect(Object.getPrototypeOf(out.projection)).toBe(Object.prototype);
    expect(JSON.stringify(state.projection)).toContain('"__proto__":{"n":1}');
    // In place (no copy), the same edits reach both places of the shared object.
    const inPlace = applyStateDelta(state, [[['machine', 'terms', 'days'], 43]]) as typeof state;
    expect(inPlace.projection.terms.days).toBe(43);
  });

  it('keep the key order of an object whose keys moved, and keys named __proto__', () => {
    const before = { a: 1, b: { c: [1, 2, 3] }, d: 'x' };
    const after = { b: before.b, a: 1, d: 'x' };
    expect(edited(before, after)).toBe(JSON.stringify(after));
    const withProto = JSON.parse('{"__proto__":{"n":1},"m":[1]}');
    const changed = JSON.parse('{"__proto__":{"n":2},"m":[1,2]}');
    expect(edited(withProto, changed)).toBe(JSON.stringify(changed));
    expect(Object.getPrototypeOf(applyStateDelta(withProto, stateDelta(withProto, changed)))).toBe(
      Object.prototype,
    );
  });

  it('give nothing to do for a state shared whole, and only what changed otherwise', () => {
    const list = Array.from({ length: 1000 }, (_, i) => ({ id: `p${i}`, status: 'live' }));
    const state = { proposals: list, seq: 1 };
    expect(stateDelta(state, state)).toEqual([]);
    const next = { proposals: [...list, { id: 'p1000', status: 'live' }], seq: 2 };
    (next.proposals as unknown[])[3] = { ...list[3], status: 'rejected' };
    expect(stateDelta(state, next)).toEqual([
      [['proposals', 3, 'status'], 'rejected'],
      [['proposals', 1000], { id: 'p1000', status: 'live' }],
      [['seq'], 2],
    ]);
  });

  it('are refused when they do not fit the state they are applied to', () => {
    expect(() => applyStateDelta({ a: 1 }, [[['b', 'c'], 1]])).toThrow(RangeError);
    expect(() => applyStateDelta({ a: [1] }, [[['a', 3], 1]])).toThrow(RangeError);
    expect(() => applyStateDelta({ a: 1 }, [[['b']]])).toThrow(RangeError);
  });
});
