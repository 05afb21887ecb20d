import { describe, expect, it } from 'vitest';
import { keyPath, leaves, splitKeyPath, valueAt } from '../../inspector/page/format.js';

// Issue 11, finding 9: a category or party named with a `.` was shown as "—" (the page split
// its key paths on every `.`).
describe('key paths of the page', () => {
  const report = {
    hostages: { byCategory: { 'civilians.f': 3, 'a\\b': 4, plain: 5 } },
    positions: { 'un.ocha': { pauseDays: 4 } },
  };

  it.each([
    [['hostages', 'byCategory', 'civilians.f'], 3],
    [['hostages', 'byCategory', 'a\\b'], 4],
    [['hostages', 'byCategory', 'plain'], 5],
    [['positions', 'un.ocha', 'pauseDays'], 4],
  ])('%j reads back through one string', (keys, value) => {
    expect(splitKeyPath(keyPath(...keys))).toEqual(keys);
    expect(valueAt(report, splitKeyPath(keyPath(...keys)))).toBe(value);
  });

  it('reads as the plain dotted path when no key holds a . or \\', () => {
    expect(keyPath('hostages', 'byPhase', 0, 'days')).toBe('hostages.byPhase.0.days');
  });

  it('names every leaf by a path that leads back to it', () => {
    for (const [path, value] of leaves(report)) {
      expect(valueAt(report, splitKeyPath(path))).toBe(value);
    }
  });
});
