import fc from 'fast-check';
import type { TruceEvent } from '../../events/index.js';

/** A generated open-ended ceasefire: its events and the facts an oracle needs, in plain numbers. */
export interface CeasefireLog {
  events: TruceEvent[];
  /** When the phase started, ms since the epoch. */
  startMs: number;
  living: number;
  bodies: number;
  /** The deadline of the living, hours after the start. */
  withinHours: number;
  /** Each release: when (ms) and whether it was the living (true) or remains (false). */
  releases: Array<{ atMs: number; alive: boolean }>;
}

const HOUR = 3_600_000;
const START = Date.parse('2025-10-10T09:00:00Z');

/**
 * An October-2025-shaped log: a phase with no end date whose terms owe `living` hostages within
 * `withinHours` and `bodies` remains as soon as possible, then releases of one hostage at a time
 * at increasing instants, up to what the terms name.
 */
export const ceasefireLog: fc.Arbitrary<CeasefireLog> = fc
  .record({
    living: fc.integer({ min: 1, max: 4 }),
    bodies: fc.integer({ min: 1, max: 4 }),
    withinHours: fc.integer({ min: 1, max: 96 }),
    order: fc.array(fc.boolean(), { maxLength: 8 }),
    gaps: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 8, maxLength: 8 }),
  })
  .map(({ living, bodies, withinHours, order, gaps }) => {
    const events: TruceEvent[] = [];
    const push = (type: string, atMs: number, data: unknown) => {
      const seq = events.length + 1;
      events.push({
        seq,
        id: `c${seq}`,
        type,
        at: new Date(atMs).toISOString(),
        data,
      } as TruceEvent);
    };
    push('negotiation.opened', START - 3 * HOUR, {
      title: 'Generated ceasefire',
      parties: [
        { id: 'israel', name: 'Israel', role: 'principal' },
        { id: 'hamas', name: 'Hamas', role: 'principal' },
      ],
      held: { living, bodies },
    });
    push('proposal.sent', START - 2 * HOUR, {
      proposalId: 'plan',
      from: 'israel',
      terms: {
        phases: [
          {
            hostages: [
              { category: 'living', count: living },
              { category: 'bodies', count: bodies },
            ],
            obligations: [
              { party: 'hamas', what: 'hostages', category: 'living', count: living, withinHours },
              { party: 'hamas', what: 'remains', count: bodies },
            ],
          },
        ],
        permanentCeasefire: false,
      },
    });
    push('proposal.accepted', START - HOUR, { proposalId: 'plan', by: 'hamas' });
    push('proposal.accepted', START - HOUR, { proposalId: 'plan', by: 'israel' });
    push('phase.started', START, { phase: 1 });
    const releases: CeasefireLog['releases'] = [];
    let left = { alive: living, dead: bodies };
    let atMs = START;
    order.forEach((alive, i) => {
      const take = alive ? left.alive > 0 : left.dead > 0;
      if (!take) return;
      atMs += (gaps[i] ?? 1) * HOUR;
      left = alive ? { ...left, alive: left.alive - 1 } : { ...left, dead: left.dead - 1 };
      releases.push({ atMs, alive });
      push('release.completed', atMs, {
        phase: 1,
        hostages: [
          alive
            ? { category: 'living', count: 1 }
            : { category: 'bodies', count: 1, deceased: true },
        ],
      });
    });
    return { events, startMs: START, living, bodies, withinHours, releases };
  });
