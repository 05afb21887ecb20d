import { describe, expect, it } from 'vitest';
import {
  countsToward,
  type ObligationDue,
  obligationStatus,
  obligationTarget,
} from '../../machines/index.js';

const due = (
  over: Partial<ObligationDue & { attempt: number }>,
): ObligationDue & { attempt: number } => ({
  phase: 1,
  party: 'hamas',
  what: 'hostages',
  category: 'living',
  count: 20,
  line: null,
  talksOn: null,
  due: '2025-10-13T12:00:00+03:00',
  round: null,
  attempt: 0,
  ...over,
});

describe('what counts toward an obligation (machines/obligations.ts decides, the projections count)', () => {
  const release = { kind: 'release', attempt: 0, what: 'hostages', category: 'living' } as const;

  it('a release item counts toward its own phase attempt, for what it is, of its category or of any', () => {
    expect(countsToward(due({}), release)).toBe(true);
    expect(countsToward(due({ category: null }), release)).toBe(true);
    expect(countsToward(due({ category: 'soldiers' }), release)).toBe(false);
    expect(countsToward(due({ attempt: 1 }), release)).toBe(false);
    expect(countsToward(due({ what: 'remains' }), release)).toBe(false);
    expect(countsToward(due({ what: 'prisoners' }), { ...release, what: 'prisoners' })).toBe(true);
  });

  it('a withdrawal counts toward its own party withdrawing to that line only', () => {
    const o = due({ what: 'withdrawal', party: 'israel', line: 'yellow', count: null });
    expect(countsToward(o, { kind: 'withdrawal', party: 'israel', line: 'yellow' })).toBe(true);
    expect(countsToward(o, { kind: 'withdrawal', party: 'hamas', line: 'yellow' })).toBe(false);
    expect(countsToward(o, { kind: 'withdrawal', party: 'israel', line: 'red' })).toBe(false);
    expect(countsToward(due({}), { kind: 'withdrawal', party: 'hamas', line: 'yellow' })).toBe(
      false,
    );
  });

  it('talks count toward talks on that phase only', () => {
    const o = due({ what: 'talks', talksOn: 2, count: null, party: null });
    expect(countsToward(o, { kind: 'talks', phase: 2 })).toBe(true);
    expect(countsToward(o, { kind: 'talks', phase: 3 })).toBe(false);
    expect(countsToward(due({ talksOn: 2 }), { kind: 'talks', phase: 2 })).toBe(false);
  });

  it('an obligation needs its count, or one event when it has none', () => {
    expect(obligationTarget(due({ count: 20 }))).toBe(20);
    expect(obligationTarget(due({ count: 0 }))).toBe(0);
    expect(obligationTarget(due({ count: null }))).toBe(1);
  });

  it('met for good once met; overdue only strictly after a deadline; open without one', () => {
    const o = { due: '2025-10-13T12:00:00+03:00', metAt: null };
    expect(obligationStatus(o, '2025-10-13T09:00:00Z')).toBe('open');
    expect(obligationStatus(o, '2025-10-13T09:00:00.001Z')).toBe('overdue');
    expect(obligationStatus({ ...o, metAt: '2025-10-20T00:00:00Z' }, '2025-10-30T00:00:00Z')).toBe(
      'met',
    );
    expect(obligationStatus({ due: null, metAt: null }, '2099-01-01T00:00:00Z')).toBe('open');
    expect(obligationStatus(o, null)).toBe('open');
  });
});
