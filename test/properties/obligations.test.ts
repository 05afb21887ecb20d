import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TruceEvent } from '../../events/index.js';
import { replayLog } from '../../replay/index.js';
import { type CeasefireLog, ceasefireLog } from '../arbitraries/ceasefireLog.js';
import { checkAsyncProperty } from './settings.js';

const HOUR = 3_600_000;

async function* bytes(events: readonly TruceEvent[]): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
}

async function statusesAt(log: CeasefireLog, atMs: number): Promise<string[]> {
  const at = new Date(atMs).toISOString();
  const { report } = await replayLog(bytes(log.events), { at });
  return report.obligations.map((o) => o.status);
}

/**
 * The oracle, from the README's words only: what counts toward an obligation is what was
 * released by the instant; met once it reaches the count; overdue when the deadline has passed
 * unmet; an obligation with no deadline is never overdue.
 */
function expected(log: CeasefireLog, atMs: number): string[] {
  const by = log.releases.filter((r) => r.atMs <= atMs);
  const alive = by.filter((r) => r.alive).length;
  const dead = by.length - alive;
  const livingDue = log.startMs + log.withinHours * HOUR;
  const living = alive >= log.living ? 'met' : atMs > livingDue ? 'overdue' : 'open';
  const remains = dead >= log.bodies ? 'met' : 'open';
  return atMs < log.startMs ? [] : [living, remains];
}

describe('obligations at the as-of instant', () => {
  it('are a pure function of the log and the instant, and a later instant never unmeets one', async () => {
    await checkAsyncProperty(
      'obligations-monotone',
      fc.asyncProperty(
        ceasefireLog,
        fc.integer({ min: -5, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        async (log, h1, dh) => {
          const t1 = log.startMs + h1 * HOUR;
          const t2 = t1 + dh * HOUR;
          const first = await statusesAt(log, t1);
          expect(await statusesAt(log, t1)).toEqual(first);
          expect(first).toEqual(expected(log, t1));
          const later = await statusesAt(log, t2);
          expect(later).toEqual(expected(log, t2));
          first.forEach((status, i) => {
            if (status === 'met') expect(later[i]).toBe('met');
          });
        },
      ),
      (log: CeasefireLog, _h1: number, _dh: number) => log.events,
    );
  });
});
