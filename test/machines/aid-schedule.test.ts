import { describe, expect, it } from 'vitest';
import { aidDaysOwed, aidTermsOf, obligationsOf } from '../../machines/index.js';

// Aid per region and release schedules as docs/decisions.md and the README state them; every
// expected figure and instant worked out by hand.

describe('aid a phase owes each region', () => {
  it('a region named twice owes the sum of its figures; none stated stays null', () => {
    expect(
      aidTermsOf({
        hostages: [],
        aidByRegion: [
          { region: 'north', trucksPerDay: 50 },
          { region: 'south' },
          { region: 'north', trucksPerDay: 20, fuelTrucksPerDay: 5 },
          { region: 'south', fuelTrucksPerDay: 2 },
        ],
      }),
    ).toEqual([
      { region: 'north', trucksPerDay: 70, fuelTrucksPerDay: 5 },
      { region: 'south', trucksPerDay: null, fuelTrucksPerDay: 2 },
    ]);
    expect(aidTermsOf({ hostages: [] })).toEqual([]);
  });

  it('days owed: each day begun from the start, up to the end and the planned days', () => {
    const window = { startedAt: '2023-11-24T05:00:00Z', endedAt: null, days: 4 };
    expect(aidDaysOwed(window, '2023-11-24T04:59:59Z')).toBe(0);
    expect(aidDaysOwed(window, '2023-11-24T05:00:00Z')).toBe(1);
    expect(aidDaysOwed(window, '2023-11-25T04:59:59Z')).toBe(1);
    expect(aidDaysOwed(window, '2023-11-25T05:00:00Z')).toBe(2);
    expect(aidDaysOwed(window, '2023-12-10T00:00:00Z')).toBe(4);
    const ended = { ...window, endedAt: '2023-11-26T06:00:00Z' };
    expect(aidDaysOwed(ended, '2023-12-10T00:00:00Z')).toBe(3);
    expect(aidDaysOwed(ended, '2023-11-25T06:00:00Z')).toBe(2);
    const openEnded = { ...window, days: null };
    expect(aidDaysOwed(openEnded, '2023-12-04T05:00:00Z')).toBe(11);
  });
});

describe('a release schedule as obligations', () => {
  it('rounds in day order, counts adding up, a category without a count owing nothing more', () => {
    const due = obligationsOf(
      1,
      {
        hostages: [],
        schedule: [
          {
            day: 2,
            hostages: [
              { category: 'living', count: 3 },
              { category: 'bodies', count: 1 },
            ],
            prisoners: 90,
          },
          {
            day: 1,
            hostages: [
              { category: 'living', count: 2 },
              { category: 'living', count: 1 },
            ],
          },
          {
            day: 3,
            hostages: [{ category: 'elderly' }, { category: 'living', count: 4 }],
            prisoners: 10,
          },
          { day: 4, hostages: [{ category: 'elderly', count: 2 }] },
        ],
      },
      '2025-10-10T12:00:00+03:00',
    );
    const round = (day: number, what: string, category: string | null, count: number) => ({
      phase: 1,
      party: null,
      what,
      category,
      count,
      line: null,
      talksOn: null,
      due: `2025-10-${10 + day}T12:00:00+03:00`,
      round: day,
    });
    expect(due).toEqual([
      round(1, 'hostages', 'living', 3),
      round(2, 'hostages', 'living', 6),
      round(2, 'remains', 'bodies', 1),
      round(2, 'prisoners', null, 90),
      round(3, 'hostages', 'living', 10),
      round(3, 'prisoners', null, 100),
    ]);
  });
});
