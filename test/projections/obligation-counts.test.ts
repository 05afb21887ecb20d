import { describe, expect, it } from 'vitest';
import type { ObligationProgress } from '../../projections/index.js';
import { Replayer } from '../../replay/index.js';
import type { EventInput } from '../../testing/index.js';
import { event, opened } from './fixtures.js';

/**
 * What the report counts toward each obligation (README, `obligations`: `fulfilled` and
 * `metAt`) when several steps count toward it: every step that counts adds its count, before
 * and after the obligation is met, and `metAt` is the instant its target was first reached (the
 * phase's start for an obligation of nothing). The report is read between the steps too (as
 * the replay cache's checkpoints read the projection mid-log), or only at the end, and a replay
 * is resumed from a snapshot. Expected figures are counted by hand from the events below: one
 * withdrawal or one talks event adds 1, a release adds the hostages it names.
 */

const at = (hour: number): string => new Date(Date.UTC(2025, 9, 10, hour)).toISOString();

const obligations = [
  // Two of one key (Israel to the yellow line): every Israeli withdrawal there counts for both.
  { party: 'israel', what: 'withdrawal', line: 'yellow line' },
  { party: 'israel', what: 'withdrawal', line: 'yellow line', withinDays: 3 },
  { party: 'hamas', what: 'withdrawal', line: 'yellow line' },
  { party: 'qatar', what: 'talks', phase: 2 },
  // Releases: of one category, of any, and of nothing (met as the phase starts).
  { party: 'hamas', what: 'hostages', category: 'soldiers', count: 1 },
  { party: 'hamas', what: 'hostages', count: 4 },
  { party: 'hamas', what: 'hostages', category: 'women', count: 0 },
];

const setup: EventInput[] = [
  opened,
  {
    type: 'proposal.sent',
    data: {
      proposalId: 'plan',
      from: 'qatar',
      terms: {
        phases: [
          {
            days: 5,
            hostages: [
              { category: 'women', count: 3 },
              { category: 'soldiers', count: 1 },
            ],
            obligations,
          },
          {
            days: 5,
            hostages: [{ category: 'soldiers', count: 2 }],
            // Of the same key as two of phase 1's: it joins them when phase 2 starts.
            obligations: [{ party: 'israel', what: 'withdrawal', line: 'yellow line' }],
          },
        ],
        permanentCeasefire: false,
      },
    },
  } as EventInput,
  { type: 'proposal.accepted', data: { proposalId: 'plan', by: 'israel' } },
  { type: 'proposal.accepted', data: { proposalId: 'plan', by: 'hamas' } },
  { type: 'phase.started', data: { phase: 1 }, at: at(0) },
];

const withdrawn = (by: string, hour: number): EventInput => ({
  type: 'forces.withdrawn',
  data: { by, line: 'yellow line' },
  at: at(hour),
});
const talks = (hour: number): EventInput => ({
  type: 'talks.started',
  data: { phase: 2, by: ['israel', 'hamas'] },
  at: at(hour),
});
const released = (category: string, count: number, hour: number): EventInput => ({
  type: 'release.completed',
  data: { phase: 1, hostages: [{ category, count }] },
  at: at(hour),
});

/** Replays `setup` then `steps`, reading the report's obligations after each of `readAfter`. */
function obligationsAfter(
  steps: readonly EventInput[],
  readAfter: readonly number[] = steps.map((_, i) => i),
): ObligationProgress[][] {
  const replayer = new Replayer();
  let seq = 0;
  for (const input of setup) replayer.apply(event(++seq, input));
  const reports: ObligationProgress[][] = [];
  steps.forEach((input, i) => {
    replayer.apply(event(++seq, input));
    if (readAfter.includes(i)) reports.push(replayer.report().obligations);
  });
  return reports;
}

const counts = (list: readonly ObligationProgress[] | undefined) =>
  (list ?? []).map((o) => [o.what, o.party, o.fulfilled, o.metAt]);

describe('every step that counts toward an obligation adds to it, met or not', () => {
  it('withdrawals of one party to one line count toward each of its obligations there', () => {
    const reports = obligationsAfter([
      withdrawn('israel', 1),
      withdrawn('israel', 2),
      withdrawn('hamas', 3),
      withdrawn('israel', 4),
    ]);
    expect(reports.map((r) => counts(r).slice(0, 3))).toEqual([
      [
        ['withdrawal', 'israel', 1, at(1)],
        ['withdrawal', 'israel', 1, at(1)],
        ['withdrawal', 'hamas', 0, null],
      ],
      // Met already: each adds what the second withdrawal counts.
      [
        ['withdrawal', 'israel', 2, at(1)],
        ['withdrawal', 'israel', 2, at(1)],
        ['withdrawal', 'hamas', 0, null],
      ],
      // Hamas's withdrawal is not Israel's.
      [
        ['withdrawal', 'israel', 2, at(1)],
        ['withdrawal', 'israel', 2, at(1)],
        ['withdrawal', 'hamas', 1, at(3)],
      ],
      [
        ['withdrawal', 'israel', 3, at(1)],
        ['withdrawal', 'israel', 3, at(1)],
        ['withdrawal', 'hamas', 1, at(3)],
      ],
    ]);
  });

  it('steps not read between them add up as steps read one by one', () => {
    const [last] = obligationsAfter(
      [
        withdrawn('israel', 1),
        talks(2),
        talks(3),
        withdrawn('israel', 4),
        withdrawn('israel', 5),
        talks(6),
      ],
      [5],
    );
    expect(counts(last).slice(0, 4)).toEqual([
      ['withdrawal', 'israel', 3, at(1)],
      ['withdrawal', 'israel', 3, at(1)],
      ['withdrawal', 'hamas', 0, null],
      ['talks', 'qatar', 3, at(2)],
    ]);
  });

  it('an obligation of a later phase counts from its start, beside the met ones of its key', () => {
    const [last] = obligationsAfter(
      [
        withdrawn('israel', 1),
        released('women', 3, 2),
        released('soldiers', 1, 3),
        { type: 'phase.completed', data: { phase: 1 }, at: at(4) },
        { type: 'phase.started', data: { phase: 2 }, at: at(5) },
        withdrawn('israel', 6),
        withdrawn('israel', 7),
      ],
      [6],
    );
    const israel = counts(last).filter(
      ([what, party]) => what === 'withdrawal' && party === 'israel',
    );
    expect(israel).toEqual([
      ['withdrawal', 'israel', 3, at(1)],
      ['withdrawal', 'israel', 3, at(1)],
      ['withdrawal', 'israel', 2, at(6)],
    ]);
  });

  it('a replay resumed from a snapshot adds to the met obligations and keeps when they were met', () => {
    const first = new Replayer();
    let seq = 0;
    for (const input of [...setup, withdrawn('israel', 1)]) first.apply(event(++seq, input));
    const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
    const resumed = new Replayer({ from: snapshot });
    resumed.apply(event(++seq, withdrawn('israel', 2)));
    resumed.apply(event(++seq, talks(3)));
    expect(counts(resumed.report().obligations).slice(0, 4)).toEqual([
      ['withdrawal', 'israel', 2, at(1)],
      ['withdrawal', 'israel', 2, at(1)],
      ['withdrawal', 'hamas', 0, null],
      ['talks', 'qatar', 1, at(3)],
    ]);
  });

  it('a report read twice adds nothing the second time', () => {
    const replayer = new Replayer();
    let seq = 0;
    for (const input of [...setup, withdrawn('israel', 1), withdrawn('israel', 2)]) {
      replayer.apply(event(++seq, input));
    }
    const first = counts(replayer.report().obligations).slice(0, 2);
    const second = counts(replayer.report().obligations).slice(0, 2);
    expect(first).toEqual([
      ['withdrawal', 'israel', 2, at(1)],
      ['withdrawal', 'israel', 2, at(1)],
    ]);
    expect(second).toEqual(first);
  });

  it('a release counts toward the obligations of its own category, and of any', () => {
    const reports = obligationsAfter([
      released('women', 2, 1),
      released('soldiers', 1, 2),
      released('women', 1, 3),
    ]);
    expect(reports.map((r) => counts(r).slice(4))).toEqual([
      [
        ['hostages', 'hamas', 0, null],
        ['hostages', 'hamas', 2, null],
        ['hostages', 'hamas', 2, at(0)],
      ],
      [
        ['hostages', 'hamas', 1, at(2)],
        ['hostages', 'hamas', 3, null],
        ['hostages', 'hamas', 2, at(0)],
      ],
      [
        ['hostages', 'hamas', 1, at(2)],
        ['hostages', 'hamas', 4, at(3)],
        ['hostages', 'hamas', 3, at(0)],
      ],
    ]);
  });
});
