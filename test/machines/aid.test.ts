import { describe, expect, it } from 'vitest';
import { aidDaysOwed, aidTermsOf, obligationsOf, wholeDue } from '../../machines/index.js';

describe('aid a phase owes per region (machines/aid.ts)', () => {
  it('merges a region named twice, keeping a figure stated once and null where none is', () => {
    expect(
      aidTermsOf({
        hostages: [],
        aidByRegion: [
          { region: 'north', trucksPerDay: 50 },
          { region: 'south' },
          { region: 'north', fuelTrucksPerDay: 3 },
          { region: 'north', trucksPerDay: 10, fuelTrucksPerDay: 1 },
        ],
      }),
    ).toEqual([
      { region: 'north', trucksPerDay: 60, fuelTrucksPerDay: 4 },
      { region: 'south', trucksPerDay: null, fuelTrucksPerDay: null },
    ]);
    expect(aidTermsOf({ hostages: [] })).toEqual([]);
  });

  const window = { startedAt: '2024-01-01T05:00:00Z', endedAt: null, days: 4 };
  it('owes every day begun, from the first instant of the phase', () => {
    expect(aidDaysOwed(window, '2024-01-01T04:59:59Z')).toBe(0);
    expect(aidDaysOwed(window, '2024-01-01T05:00:00Z')).toBe(1);
    expect(aidDaysOwed(window, '2024-01-02T04:59:59Z')).toBe(1);
    expect(aidDaysOwed(window, '2024-01-02T05:00:00Z')).toBe(2);
  });
  it('at most the planned days, none past the end, every day begun when open-ended', () => {
    expect(aidDaysOwed(window, '2024-01-04T05:00:00Z')).toBe(4);
    expect(aidDaysOwed(window, '2024-01-05T05:00:00Z')).toBe(4);
    const ended = { ...window, endedAt: '2024-01-02T06:00:00Z' };
    expect(aidDaysOwed(ended, '2024-01-04T05:00:00Z')).toBe(2);
    expect(aidDaysOwed(ended, '2024-01-01T06:00:00Z')).toBe(1);
    expect(aidDaysOwed({ ...window, days: null }, '2024-01-11T05:00:00Z')).toBe(11);
  });
});

describe('a release schedule as obligations (machines/obligations.ts)', () => {
  it('sorts rounds by day, adds counts per category, and ends a category at its first unknown count', () => {
    const due = obligationsOf(
      2,
      {
        hostages: [],
        schedule: [
          { day: 2, hostages: [{ category: 'women' }, { category: 'men', count: 1 }] },
          {
            day: 1,
            hostages: [
              { category: 'women', count: 2 },
              { category: 'women', count: 1 },
            ],
            prisoners: 0,
          },
          {
            day: 3,
            hostages: [
              { category: 'women', count: 5 },
              { category: 'bodies', count: 2 },
            ],
          },
        ],
      },
      '2024-01-01T05:00:00+02:00',
    );
    expect(due.map((o) => [o.round, o.what, o.category, o.count, o.due, o.party, o.phase])).toEqual(
      [
        [1, 'hostages', 'women', 3, '2024-01-02T05:00:00+02:00', null, 2],
        [1, 'prisoners', null, 0, '2024-01-02T05:00:00+02:00', null, 2],
        [2, 'hostages', 'men', 1, '2024-01-03T05:00:00+02:00', null, 2],
        [3, 'remains', 'bodies', 2, '2024-01-04T05:00:00+02:00', null, 2],
      ],
    );
  });
  it('keeps the stated obligations first, unchanged, with no round', () => {
    const due = obligationsOf(
      1,
      {
        hostages: [],
        obligations: [{ party: 'hamas', what: 'talks' }],
        schedule: [
          { day: 1, prisoners: 5 },
          { day: 2, prisoners: 7 },
        ],
      },
      '2024-01-01T05:00:00Z',
    );
    expect(due.map((o) => [o.what, o.round, o.count, o.talksOn])).toEqual([
      ['talks', null, null, 2],
      ['prisoners', 1, 5, null],
      ['prisoners', 2, 12, null],
    ]);
  });
});

describe('whole dues (machines/context.ts wholeDue)', () => {
  it('rounds the decimal product half up, as written', () => {
    expect(wholeDue(0.7, 45)).toBe(32);
    expect(wholeDue(3.2, 3)).toBe(10);
    expect(wholeDue(0.5, 1)).toBe(1);
    expect(wholeDue(0.49, 1)).toBe(0);
    expect(wholeDue(15, 12)).toBe(180);
    expect(wholeDue(0, 7)).toBe(0);
  });
});
