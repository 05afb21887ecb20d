import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventTypes } from '../../events/index.js';
import {
  emptyTable,
  eventsAccepted,
  type Table,
  tableDelete,
  tableEntries,
  tableGet,
  tableHas,
  tableSet,
  tableSetAll,
  tableSize,
} from '../../machines/index.js';
import { checkProperty, propertyTimeout } from '../properties/settings.js';

/**
 * Tests written to kill the mutants `npm run mutation` found alive (docs/mutation.md lists
 * them): each pins a behaviour of machines/ no other test had reached.
 */

/** The table's contents as a sorted list, to compare with a `Map`. */
function contents<V>(table: Table<V>): Array<[string, V]> {
  return [...tableEntries(table)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function sorted<V>(map: Map<string, V>): Array<[string, V]> {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Keys enough to split leaves into branches and branches into deeper ones. */
const keys = Array.from({ length: 3_000 }, (_, i) => `k${i}`);

describe('the context tables behave as a Map', { timeout: propertyTimeout }, () => {
  it('thousands of keys set one by one, read back, then deleted, keep size and contents', () => {
    let table = emptyTable<number>();
    const map = new Map<string, number>();
    for (const [i, key] of keys.entries()) {
      table = tableSet(table, key, i);
      map.set(key, i);
    }
    expect(tableSize(table)).toBe(3_000);
    expect(contents(table)).toEqual(sorted(map));
    for (const [i, key] of keys.entries()) expect(tableGet(table, key)).toBe(i);
    expect(tableGet(table, 'absent')).toBeUndefined();
    expect(tableHas(table, 'k17')).toBe(true);
    expect(tableHas(table, 'absent')).toBe(false);
    // Overwrite keeps the size; delete of an absent key returns the same table.
    const overwritten = tableSet(table, 'k5', -1);
    expect(tableSize(overwritten)).toBe(3_000);
    expect(tableGet(overwritten, 'k5')).toBe(-1);
    expect(tableGet(table, 'k5')).toBe(5);
    expect(tableDelete(table, 'absent')).toBe(table);
    for (const key of keys.slice(0, 2_990)) {
      table = tableDelete(table, key);
      map.delete(key);
    }
    expect(tableSize(table)).toBe(10);
    expect(contents(table)).toEqual(sorted(map));
    for (const key of keys.slice(0, 2_990)) expect(tableHas(table, key)).toBe(false);
  });

  it('built at once from thousands of entries, a table equals one built key by key', () => {
    const entries = keys.map((key, i): [string, number] => [key, i]);
    const atOnce = tableSetAll(emptyTable<number>(), [...entries, ['k0', 42]]);
    expect(tableSize(atOnce)).toBe(3_000);
    expect(tableGet(atOnce, 'k0')).toBe(42);
    for (const [key, value] of entries.slice(1)) expect(tableGet(atOnce, key)).toBe(value);
    // Into a table that already holds keys, the entries are set over them.
    const base = tableSet(tableSet(emptyTable<number>(), 'k1', -1), 'own', 7);
    const over = tableSetAll(base, entries);
    expect(tableSize(over)).toBe(3_001);
    expect(tableGet(over, 'k1')).toBe(1);
    expect(tableGet(over, 'own')).toBe(7);
    expect(tableGet(base, 'k1')).toBe(-1);
  });

  it('any sequence of sets and deletes leaves the table equal to a Map given the same', () => {
    const op = fc.oneof(
      fc.tuple(fc.constant('set' as const), fc.nat({ max: 199 }), fc.integer()),
      fc.tuple(fc.constant('delete' as const), fc.nat({ max: 199 }), fc.constant(0)),
    );
    checkProperty(
      'table-equals-map',
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        let table = emptyTable<number>();
        const map = new Map<string, number>();
        for (const [kind, n, value] of ops) {
          const key = n % 3 === 0 ? `__proto__${n}` : `key-${n}`;
          if (kind === 'set') {
            table = tableSet(table, key, value);
            map.set(key, value);
          } else {
            table = tableDelete(table, key);
            map.delete(key);
          }
          if (tableSize(table) !== map.size)
            throw new Error(`size ${tableSize(table)} ≠ ${map.size}`);
        }
        if (JSON.stringify(contents(table)) !== JSON.stringify(sorted(map))) {
          throw new Error('contents differ');
        }
        for (const [key, value] of map) {
          if (tableGet(table, key) !== value) throw new Error(`${key} reads wrong`);
        }
      }),
      () => [],
    );
  });
});

const ANY_TIME = [
  'aid.delivered',
  'violation.reported',
  'hostages.counted',
  'remains.returned',
  'demand.stated',
  'forces.withdrawn',
  'talks.started',
];
/** Taken wherever a ceasefire can hold; the context rules refuse them where none does. */
const CEASEFIRE = ['flareup.reported', 'ceasefire.restored'];
const TALKS = ['proposal.sent', 'proposal.accepted', 'phase.accepted', 'proposal.rejected'];

/**
 * Which events each state takes, written from the README's chart and rules: talks go on in
 * every opened state but suspension, collapse (a proposal only) and conclusion; the world's facts
 * (aid, violations, counts, remains, demands, withdrawals, talks) any time after the opening;
 * flare-ups and restorations wherever a ceasefire can hold (docs/statechart.md); phase events in a phase; fighting may resume where a
 * pause can be agreed, in force or holding.
 */
const TAKES: Record<string, string[]> = {
  unopened: ['negotiation.opened'],
  'negotiating.awaitingProposal': [
    ...TALKS,
    'talks.suspended',
    'hostilities.resumed',
    ...ANY_TIME,
    ...CEASEFIRE,
  ],
  'negotiating.proposalOnTable': [
    ...TALKS,
    'talks.suspended',
    'hostilities.resumed',
    ...ANY_TIME,
    ...CEASEFIRE,
  ],
  'negotiating.suspended': ['talks.resumed', 'hostilities.resumed', ...ANY_TIME, ...CEASEFIRE],
  agreed: [...TALKS, 'phase.started', 'hostilities.resumed', ...ANY_TIME, ...CEASEFIRE],
  inPhase: [
    ...TALKS,
    'release.completed',
    'release.recounted',
    'pause.extended',
    'phase.completed',
    'hostilities.resumed',
    ...ANY_TIME,
    ...CEASEFIRE,
  ],
  collapsed: ['proposal.sent', ...ANY_TIME],
  concluded: ['release.completed', ...ANY_TIME, ...CEASEFIRE],
};

describe('the events each state of the chart takes', () => {
  it.each(Object.keys(TAKES))('%s takes exactly the events the README gives it', (state) => {
    const expected = eventTypes.filter((type) => TAKES[state]?.includes(type));
    expect(eventsAccepted(state)).toEqual(expected);
  });
});
