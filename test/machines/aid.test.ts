import { describe, expect, it } from 'vitest';
import { aidDaysOwed, aidTermsOf, dayOf, obligationsOf, wholeDue } from '../../machines/index.js';

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

  it('a whole product is owed as it is below 10^15, and to 15 significant digits above', () => {
    expect(wholeDue(50, 7)).toBe(350);
    expect(wholeDue(3, 333_333_333_333_333)).toBe(999_999_999_999_999);
    // 16 digits: the 15 significant digits a decimal ratio is taken to round the last one.
    expect(wholeDue(1, 1_234_567_890_123_456)).toBe(1_234_567_890_123_460);
    expect(wholeDue(-1, 1_234_567_890_123_456)).toBe(-1_234_567_890_123_460);
    expect(wholeDue(-3, 7)).toBe(-21);
  });

  it('nothing owed is 0, never -0 (JSON allows a ratio of -0)', () => {
    expect(Object.is(wholeDue(-0, 3), 0)).toBe(true);
    expect(Object.is(wholeDue(0.5, -0), 0)).toBe(true);
  });
});

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

describe('the day of a period (machines/aid.ts dayOf: the pause day and the aid days owed)', () => {
  it('counts 1 in the first 24 hours, 2 in the next, and 0 or less before the start', () => {
    const start = '2023-11-24T05:00:00Z';
    expect(dayOf(start, '2023-11-24T05:00:00Z')).toBe(1);
    expect(dayOf(start, '2023-11-25T04:59:59.999Z')).toBe(1);
    expect(dayOf(start, '2023-11-25T05:00:00Z')).toBe(2);
    expect(dayOf(start, '2023-11-24T04:59:59Z')).toBe(0);
    expect(dayOf(start, '2023-11-22T05:00:00Z')).toBe(-1);
    // Zones are instants: 08:00+03:00 is 05:00Z.
    expect(dayOf('2023-11-24T08:00:00+03:00', '2023-11-25T05:00:00Z')).toBe(2);
  });
});
