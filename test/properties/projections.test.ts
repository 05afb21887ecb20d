import fc from 'fast-check';
import { describe, it } from 'vitest';
import { type PhaseTerms, RejectedEventError, type TruceEvent } from '../../events/index.js';
import type { DecidedEvent } from '../../machines/index.js';
import {
  evolveDealProjection,
  evolveDealProjectionMany,
  initialDealProjection,
  type ReplayReport,
  toReport,
} from '../../projections/index.js';
import { Replayer } from '../../replay/index.js';
import { legalLog } from '../../testing/generator/legalLog.js';
import {
  allowanceOf,
  DealModel,
  type ExpectedFigures,
  FiguresOracle,
  halfUp,
  ownValue,
  ratioFor,
  sum,
} from './oracles/index.js';
import { rejectedFor, ruleOf } from './rejection.js';
import { reportFiguresOf } from './reportFigures.js';
import { checkProperty, propertyTimeout } from './settings.js';

/** Every number in a value, with its path. */
function numbers(value: unknown, path = ''): Array<[string, number]> {
  if (typeof value === 'number') return [[path, value]];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
}

/** The part of the report the oracle computes, in the oracle's shape. */
function reportFigures(report: ReplayReport): ExpectedFigures {
  return reportFiguresOf(report);
}

/** The first path where two JSON values differ, for a message a reader can act on. */
function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (d) return d;
    }
  }
  return `${path}: report ${JSON.stringify(a)}, oracle ${JSON.stringify(b)}`;
}

describe('projection laws (fast-check)', { timeout: propertyTimeout }, () => {
  it('a projection built from scratch equals it built step by step', () => {
    checkProperty(
      'projection-scratch-equals-step',
      fc.property(
        legalLog().chain((events) =>
          fc.tuple(fc.constant(events), fc.array(fc.nat({ max: events.length }), { maxLength: 3 })),
        ),
        ([events, cuts]) => {
          let step = initialDealProjection;
          const replayer = new Replayer();
          const at = new Set([...cuts, events.length]);
          const decided: DecidedEvent[] = [];
          for (const [i, event] of events.entries()) {
            const one = replayer.apply(event);
            decided.push(one);
            step = evolveDealProjection(step, one);
            if (!at.has(i + 1)) continue;
            const scratch = evolveDealProjectionMany(
              initialDealProjection,
              decided.slice(0, i + 1),
            );
            const a = JSON.stringify(step);
            if (a !== JSON.stringify(scratch)) throw new Error(`step ≠ scratch after ${i + 1}`);
            if (a !== JSON.stringify(replayer.projection())) {
              throw new Error(`step ≠ replayer after ${i + 1}`);
            }
          }
        },
      ),
      ([events]) => events,
    );
  });

  it('counts are never negative, after every event', () => {
    checkProperty(
      'counts-never-negative',
      fc.property(legalLog(), (events) => {
        const replayer = new Replayer();
        for (const event of events) {
          replayer.apply(event);
          const report = replayer.report();
          const bad = numbers({
            hostages: report.hostages,
            prisoners: report.prisoners,
            aid: report.aid,
            pause: report.pause,
          }).filter(([, n]) => n < 0 || !Number.isFinite(n));
          if (bad.length)
            throw new Error(`negative after seq ${event.seq}: ${JSON.stringify(bad)}`);
        }
      }),
      (events) => events,
    );
  });

  it('after every event the report gives the figures the README defines, computed from the raw events', () => {
    checkProperty(
      'report-figures-match-oracle',
      fc.property(legalLog(), (events) => {
        const replayer = new Replayer();
        const oracle = new FiguresOracle();
        for (const event of events) {
          replayer.apply(event);
          oracle.apply(event);
          const d = firstDifference(reportFigures(replayer.report()), oracle.figures());
          if (d) throw new Error(`after seq ${event.seq} (${event.type}): ${d}`);
        }
      }),
      (events) => events,
    );
  });

  it('a release over the terms plus extensions is rejected, one exactly up to them is accepted', () => {
    // At a point of the log where a phase is in progress, the oracle works out from the raw
    // events what each category named with a count still has due (its count, plus every
    // hostage extensions brought, less those counted) and what the total still has due.
    const arbitrary = legalLog().chain((events) => {
      const model = new DealModel();
      const inPhase: number[] = [];
      for (const [i, event] of events.entries()) {
        model.apply(event);
        if (model.state === 'inPhase') inPhase.push(i + 1);
      }
      return fc.tuple(
        fc.constant(events),
        inPhase.length ? fc.constantFrom(...inPhase) : fc.constant(0),
        fc.nat({ max: 5 }),
      );
    });
    checkProperty(
      'releases-within-terms',
      fc.property(arbitrary, ([events, k, over]) => {
        if (k === 0) return;
        const head = events.slice(0, k);
        const replayer = new Replayer();
        const model = new DealModel();
        for (const event of head) {
          replayer.apply(event);
          model.apply(event);
        }
        const progress = model.inProgress;
        if (!progress) throw new Error(`the rules say no phase is in progress after seq ${k}`);
        const { perCategory, total } = allowanceOf(progress.terms);
        const ext = progress.extensionHostages;
        let counted = sum(progress.released);
        let seq = k;
        const last = head.at(-1) as TruceEvent;
        const release = (category: string, count: number): TruceEvent => ({
          seq: ++seq,
          id: `cap-${seq}`,
          type: 'release.completed',
          at: last.at,
          data: { phase: progress.phase, hostages: [{ category, count }] },
        });
        const mustReject = (event: TruceEvent, rule: string, why: string): void => {
          try {
            replayer.apply(event);
          } catch (error) {
            if (!(error instanceof RejectedEventError)) throw error;
            if (!rejectedFor(error, rule)) {
              throw new Error(`${why}: expected ${rule}, got ${ruleOf(error)}: ${error.message}`);
            }
            seq -= 1;
            return;
          }
          throw new Error(`${why}: accepted`);
        };
        for (const [category, limit] of Object.entries(perCategory)) {
          if (limit === undefined) continue;
          const already = ownValue(progress.released, category) ?? 0;
          const due = Math.max(0, limit + ext - already);
          const totalDue = total === undefined ? due : Math.max(0, total + ext - counted);
          mustReject(
            release(category, due + 1 + over),
            'release.exceedsTerms',
            `${due + 1 + over} ${category} with ${due} due`,
          );
          const fits = Math.min(due, totalDue);
          if (fits === 0) continue;
          replayer.apply(release(category, fits));
          counted += fits;
          progress.released[category] = already + fits;
          mustReject(
            release(category, 1),
            fits === due ? 'release.exceedsTerms' : 'release.exceedsTotal',
            `one ${category} more after ${fits} up to the terms`,
          );
        }
      }),
      ([events]) => events,
    );
  });

  it('prisoners.due is the fixed lists plus ratio × hostages counted under the deal, half up per phase and category', () => {
    checkProperty(
      'prisoners-due-by-ratio',
      fc.property(legalLog(), (events) => {
        const replayer = new Replayer();
        const model = new DealModel();
        // Per phase started: its terms and the hostages counted under the deal per category.
        const attempts: Array<{ terms: PhaseTerms; counted: Record<string, number> }> = [];
        const dueOf = (a: (typeof attempts)[number]): number =>
          (a.terms.prisonerTotals ?? []).reduce((n, p) => n + p.count, 0) +
          Object.entries(a.counted).reduce((n, [c, k]) => n + halfUp(ratioFor(a.terms, c), k), 0);
        for (const event of events) {
          const counting = model.inProgress !== null || model.concluded;
          replayer.apply(event);
          model.apply(event);
          if (event.type === 'phase.started' && model.inProgress) {
            attempts.push({ terms: model.inProgress.terms, counted: {} });
          }
          const current = attempts.at(-1);
          if (counting && current) {
            if (event.type === 'release.completed' || event.type === 'release.recounted') {
              for (const h of event.data.hostages ?? []) {
                current.counted[h.category] =
                  (ownValue(current.counted, h.category) ?? 0) + h.count;
              }
            }
          }
          const due = attempts.reduce((n, a) => n + dueOf(a), 0);
          const report = replayer.report();
          if (report.prisoners.due !== due) {
            throw new Error(`after seq ${event.seq}: due ${report.prisoners.due}, expected ${due}`);
          }
          const byPhase = report.hostages.byPhase.map((p) => p.prisonersDue);
          const expected = attempts.map(dueOf);
          if (JSON.stringify(byPhase) !== JSON.stringify(expected)) {
            throw new Error(`after seq ${event.seq}: by phase ${byPhase} ≠ ${expected}`);
          }
        }
      }),
      (events: TruceEvent[]) => events,
    );
  });

  it('the report is a pure function of the projection and state', () => {
    checkProperty(
      'report-pure',
      fc.property(legalLog(), (events) => {
        const replayer = new Replayer();
        for (const event of events) replayer.apply(event);
        const p = replayer.projection();
        const a = JSON.stringify(toReport(p, { state: replayer.state }));
        if (a !== JSON.stringify(replayer.report())) throw new Error('report differs');
      }),
      (events) => events,
    );
  });
});
