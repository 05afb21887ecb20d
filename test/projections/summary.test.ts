import { describe, expect, it } from 'vitest';
import type { PhaseTerms } from '../../events/index.js';
import { namedHostages, prisonersPerHostage } from '../../machines/index.js';
import { summarizeTerms } from '../../projections/index.js';

const phase = (extra: Partial<PhaseTerms> = {}): PhaseTerms => ({
  days: 3,
  hostages: [{ category: 'women', count: 5 }],
  ...extra,
});

describe('summarizeTerms', () => {
  it('adds up days, hostages and fixed prisoner totals over the phases', () => {
    expect(
      summarizeTerms({
        phases: [phase({ prisoners: 10 }), phase({ days: 7, prisoners: 20 })],
        permanentCeasefire: true,
      }),
    ).toEqual({
      permanentCeasefire: true,
      pauseDays: 10,
      phases: 2,
      hostages: 10,
      prisoners: 30,
      aidTrucksPerDay: null,
    });
  });

  it('gives hostages null when any phase leaves a count open, first or last', () => {
    const open = phase({ hostages: [{ category: 'women', count: 2 }, { category: 'men' }] });
    expect(summarizeTerms({ phases: [open, phase()], permanentCeasefire: false }).hostages).toBe(
      null,
    );
    expect(summarizeTerms({ phases: [phase(), open], permanentCeasefire: false }).hostages).toBe(
      null,
    );
  });

  it('gives prisoners null unless every phase states a total', () => {
    const none = { phases: [phase(), phase()], permanentCeasefire: false };
    const first = { phases: [phase({ prisoners: 10 }), phase()], permanentCeasefire: false };
    const last = { phases: [phase(), phase({ prisoners: 10 })], permanentCeasefire: false };
    expect(summarizeTerms(none).prisoners).toBeNull();
    expect(summarizeTerms(first).prisoners).toBeNull();
    expect(summarizeTerms(last).prisoners).toBeNull();
  });

  it('gives the highest daily aid any phase names', () => {
    const summary = summarizeTerms({
      phases: [phase({ aidTrucksPerDay: 200 }), phase(), phase({ aidTrucksPerDay: 150 })],
      permanentCeasefire: false,
    });
    expect(summary.aidTrucksPerDay).toBe(200);
    expect(
      summarizeTerms({
        phases: [phase(), phase({ aidTrucksPerDay: 0 }), phase({ aidTrucksPerDay: 50 })],
        permanentCeasefire: false,
      }).aidTrucksPerDay,
    ).toBe(50);
  });

  it('gives 0 hostages for phases naming no hostages, and 0 aid when a phase names 0', () => {
    expect(
      summarizeTerms({
        phases: [phase({ hostages: [], aidTrucksPerDay: 0 })],
        permanentCeasefire: false,
      }),
    ).toMatchObject({ hostages: 0, aidTrucksPerDay: 0 });
  });
});

describe('namedHostages', () => {
  it('adds up the counts, or gives null when one is open', () => {
    expect(
      namedHostages(
        phase({
          hostages: [
            { category: 'a', count: 2 },
            { category: 'b', count: 3 },
          ],
        }),
      ),
    ).toBe(5);
    expect(
      namedHostages(phase({ hostages: [{ category: 'a', count: 2 }, { category: 'b' }] })),
    ).toBeNull();
  });
});

describe('prisonersPerHostage', () => {
  const terms = phase({
    exchange: [
      { category: 'women', prisonersPerHostage: 3 },
      { category: 'soldiers', prisonersPerHostage: 30 },
      { category: 'elderly', prisonersPerHostage: 0 },
    ],
    extension: { hostagesPerDay: 1, prisonersPerHostage: 2 },
  });

  it('uses the ratio of the hostage’s own category', () => {
    expect(prisonersPerHostage(terms, 'women')).toBe(3);
    expect(prisonersPerHostage(terms, 'soldiers')).toBe(30);
  });

  it('keeps a ratio of 0 the terms state', () => {
    expect(prisonersPerHostage(terms, 'elderly')).toBe(0);
  });

  it('falls back to the extension rule’s ratio for a category the exchange does not name', () => {
    expect(prisonersPerHostage(terms, 'men')).toBe(2);
  });

  it('owes nothing without an exchange entry or an extension ratio', () => {
    expect(prisonersPerHostage(phase(), 'women')).toBe(0);
    expect(prisonersPerHostage(phase({ extension: { hostagesPerDay: 1 } }), 'women')).toBe(0);
  });
});
