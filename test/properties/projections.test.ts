import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { PhaseTerms, TruceEvent } from '../../events/index.js';
import { own, phaseAllowance } from '../../machines/index.js';
import {
  evolveDealProjection,
  evolveDealProjectionMany,
  initialDealProjection,
  toReport,
} from '../../projections/index.js';
import { Replayer } from '../../replay/index.js';
import { legalLog } from '../arbitraries/legalLog.js';
import { checkProperty } from './settings.js';

/** Every number in a value, with its path. */
function numbers(value: unknown, path = ''): Array<[string, number]> {
  if (typeof value === 'number') return [[path, value]];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
}

describe('projection laws (fast-check)', () => {
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
          for (const [i, event] of events.entries()) {
            step = evolveDealProjection(step, event);
            replayer.apply(event);
            if (!at.has(i + 1)) continue;
            const scratch = evolveDealProjectionMany(initialDealProjection, events.slice(0, i + 1));
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

  it('counted releases never exceed the terms plus extensions, per phase and category', () => {
    checkProperty(
      'releases-within-terms',
      fc.property(legalLog(), (events) => {
        const replayer = new Replayer();
        for (const event of events) {
          replayer.apply(event);
          for (const account of replayer.report().hostages.byPhase) {
            if (
              account.hostagesNamed !== null &&
              account.hostagesReleased > account.hostagesNamed
            ) {
              throw new Error(
                `phase ${account.phase}: ${account.hostagesReleased} counted > ${account.hostagesNamed} named`,
              );
            }
          }
          const progress = replayer.context.inProgress;
          if (!progress) continue;
          const { base } = phaseAllowance(progress.terms);
          for (const [category, n] of Object.entries(progress.released)) {
            const limit = own(base, category);
            if (limit !== undefined && n > limit + progress.extensionHostages) {
              throw new Error(`phase ${progress.phase}: ${n} ${category} > ${limit} + extensions`);
            }
          }
        }
      }),
      (events) => events,
    );
  });

  it('prisoners.due is the sum of ratio × hostages counted under the deal', () => {
    checkProperty(
      'prisoners-due-by-ratio',
      fc.property(legalLog(), (events) => {
        const replayer = new Replayer();
        let due = 0;
        for (const event of events) {
          const terms = replayer.context.inProgress?.terms;
          replayer.apply(event);
          if (terms && (event.type === 'release.completed' || event.type === 'release.recounted')) {
            for (const h of event.data.hostages ?? []) due += ratio(terms, h.category) * h.count;
          }
          const report = replayer.report();
          if (report.prisoners.due !== due) {
            throw new Error(`after seq ${event.seq}: due ${report.prisoners.due}, expected ${due}`);
          }
          const byPhase = report.hostages.byPhase.reduce((a, p) => a + p.prisonersDue, 0);
          if (byPhase !== due)
            throw new Error(`after seq ${event.seq}: by phase ${byPhase} ≠ ${due}`);
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

/** The agreed exchange ratio for a category: its own, else the extension's, else none. */
function ratio(terms: PhaseTerms, category: string): number {
  const own = terms.exchange?.find((e) => e.category === category)?.prisonersPerHostage;
  return own ?? terms.extension?.prisonersPerHostage ?? 0;
}
