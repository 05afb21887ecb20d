import { describe, expect, it } from 'vitest';
import type { Terms } from '../../events/index.js';
import {
  type ObligationProgress,
  obligationStatus,
  stanceOfTerms,
  summarizeTerms,
} from '../../projections/index.js';

// Expectations from the README's report fields and docs/decisions.md, worked out by hand.

const progress = (over: Partial<ObligationProgress>): ObligationProgress => ({
  phase: 1,
  party: 'hamas',
  what: 'hostages',
  category: null,
  count: 20,
  line: null,
  talksOn: null,
  due: '2025-10-13T12:00:00+03:00',
  round: null,
  attempt: 0,
  fulfilled: 0,
  metAt: null,
  ...over,
});

describe('where an obligation stands', () => {
  it('overdue only strictly after its deadline, unmet', () => {
    const o = progress({});
    expect(obligationStatus(o, '2025-10-13T12:00:00+03:00')).toBe('open');
    expect(obligationStatus(o, '2025-10-13T09:00:01Z')).toBe('overdue');
    expect(obligationStatus(o, '2025-10-13T08:59:59Z')).toBe('open');
    expect(obligationStatus({ ...o, metAt: '2025-10-12T00:00:00Z' }, '2025-10-20T00:00:00Z')).toBe(
      'met',
    );
  });

  it('never overdue with no deadline, nor with no instant to judge at', () => {
    expect(obligationStatus(progress({ due: null }), '2099-01-01T00:00:00Z')).toBe('open');
    expect(obligationStatus(progress({}), null)).toBe('open');
  });
});

const phase = (over: Partial<Terms['phases'][number]>): Terms['phases'][number] => ({
  hostages: [{ category: 'women', count: 10 }],
  ...over,
});

describe('the headline figures of terms', () => {
  it('an open-ended phase makes the pause open-ended, wherever it comes', () => {
    const terms = (phases: Terms['phases']): Terms => ({ phases, permanentCeasefire: false });
    expect(summarizeTerms(terms([phase({}), phase({ days: 5 })])).pauseDays).toBeNull();
    expect(summarizeTerms(terms([phase({ days: 5 }), phase({})])).pauseDays).toBeNull();
    expect(summarizeTerms(terms([phase({ days: 5 }), phase({ days: 7 })])).pauseDays).toBe(12);
  });

  it('a proposal states the last withdrawal its phases name; a demand states what it lists', () => {
    const terms: Terms = {
      phases: [
        phase({ withdrawal: 'yellow line' }),
        phase({ withdrawal: 'border' }),
        phase({ days: 3 }),
      ],
      permanentCeasefire: true,
    };
    expect(stanceOfTerms(terms).withdrawal).toBe('border');
    expect(stanceOfTerms({ ...terms, phases: [phase({})] }).withdrawal).toBeNull();
    expect(stanceOfTerms({ phases: 3, withdrawal: 'border' })).toEqual({
      phases: 3,
      withdrawal: 'border',
    });
  });
});
