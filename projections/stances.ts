import type { Terms } from '../events/index.js';
import { summarizeTerms, type TermsSummary } from './summary.js';

/** The terms a principal takes a stance on, one by one. */
export const STANCE_TERMS = [
  'permanentCeasefire',
  'pauseDays',
  'phases',
  'hostages',
  'prisoners',
  'aidTrucksPerDay',
  'withdrawal',
] as const;

/** A term a principal takes a stance on. */
export type StanceTerm = (typeof STANCE_TERMS)[number];

/** A principal's latest statement on one term, and where it said so. */
export interface Stance {
  value: boolean | number | string;
  /** Its own proposal, its acceptance of a whole proposal, or a public demand. */
  from: 'proposal' | 'acceptance' | 'demand';
  proposalId: string | null;
  seq: number;
  at: string;
}

const STANCE_TERM_SET: ReadonlySet<string> = new Set(STANCE_TERMS);

/**
 * The terms a statement takes a stance on: a proposal's terms state every headline figure they
 * name (and the last withdrawal a phase names); a demand states those it lists of the
 * {@link STANCE_TERMS}, in its own order (any other key it carries is kept in the log and
 * ignored, as every unknown field). `summary`: the terms' {@link summarizeTerms}, when the
 * caller has it already.
 */
export function stanceOfTerms(
  terms: Terms | Partial<Record<StanceTerm, boolean | number | string | undefined>>,
  summary?: TermsSummary,
): Partial<Record<StanceTerm, boolean | number | string | null | undefined>> {
  if (!('phases' in terms) || !Array.isArray(terms.phases)) {
    const listed: Partial<Record<StanceTerm, boolean | number | string | undefined>> = {};
    for (const key of Object.keys(terms)) {
      if (STANCE_TERM_SET.has(key)) {
        listed[key as StanceTerm] = (terms as Record<string, boolean | number | string>)[key];
      }
    }
    return listed;
  }
  const full = terms as Terms;
  const withdrawal = full.phases.findLast((p) => p.withdrawal !== undefined)?.withdrawal ?? null;
  return { ...(summary ?? summarizeTerms(full)), withdrawal };
}
