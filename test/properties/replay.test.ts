import fc from 'fast-check';
import { describe, it } from 'vitest';
import { RejectedEventError, type TruceEvent, ValidationError } from '../../events/index.js';
import { Replayer, type ReplaySnapshot, replayLog } from '../../replay/index.js';
import { legalLog } from '../arbitraries/legalLog.js';
import { mutatedLog } from '../arbitraries/mutatedLog.js';
import { checkProperty, toJsonl } from './settings.js';

function replayAll(events: readonly TruceEvent[]): Replayer {
  const replayer = new Replayer();
  for (const event of events) replayer.apply(event);
  return replayer;
}

async function* chunksOf(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

describe('replay laws (fast-check)', () => {
  it('every generated legal log replays without a rejection', () => {
    checkProperty(
      'legal-log-replays',
      fc.property(legalLog(), (events) => {
        const replayer = replayAll(events);
        if (replayer.seq !== events.length) throw new Error('not every event was applied');
      }),
      (events) => events,
    );
  });

  it('a log with one change replays, or is rejected at or after the changed line', () => {
    checkProperty(
      'mutated-log-rejected-at-or-after-change',
      fc.property(mutatedLog(), ({ mutated, line }) => {
        const replayer = new Replayer();
        for (const [i, event] of mutated.entries()) {
          try {
            replayer.apply(event, i + 1);
          } catch (error) {
            if (!(error instanceof RejectedEventError)) throw error;
            if ((error.position.line ?? 0) < line) {
              throw new Error(
                `rejected at line ${error.position.line}, before the change at line ${line}: ${error.message}`,
              );
            }
            return;
          }
        }
      }),
      ({ mutated }) => mutated,
    );
  });

  it('replay is deterministic: the same log gives byte-identical JSON, in memory and streamed', async () => {
    const logs = fc.sample(legalLog(), { seed: 7, numRuns: 50 });
    checkProperty(
      'replay-deterministic',
      fc.property(legalLog(), (events) => {
        const a = JSON.stringify(replayAll(events).report());
        const b = JSON.stringify(replayAll(events).report());
        if (a !== b) throw new Error(`two replays differ:\n${a}\n${b}`);
      }),
      (events) => events,
    );
    // Streaming through the reader gives the same bytes as applying the events directly.
    for (const events of logs) {
      const { report } = await replayLog(chunksOf(toJsonl(events)));
      const direct = JSON.stringify(replayAll(events).report());
      if (JSON.stringify(report) !== direct) throw new Error('streamed replay differs');
    }
  });

  it('a snapshot at k, through JSON, plus the rest equals the full replay', () => {
    checkProperty(
      'snapshot-plus-tail-equals-full',
      fc.property(
        legalLog().chain((events) => fc.tuple(fc.constant(events), fc.nat({ max: events.length }))),
        ([events, k]) => {
          const head = replayAll(events.slice(0, k));
          const snapshot = JSON.parse(JSON.stringify(head.snapshot())) as ReplaySnapshot;
          const resumed = new Replayer({ from: snapshot });
          for (const event of events.slice(k)) resumed.apply(event);
          const full = replayAll(events);
          const a = JSON.stringify(resumed.report());
          const b = JSON.stringify(full.report());
          if (a !== b) throw new Error(`resumed at ${k} differs:\n${a}\n${b}`);
          if (JSON.stringify(resumed.context) !== JSON.stringify(full.context)) {
            throw new Error(`machine context resumed at ${k} differs`);
          }
        },
      ),
      ([events]) => events,
    );
  });

  it('a mutated log is never accepted by the reader with a broken format', async () => {
    // Mutations keep the format: the reader reads every mutated log whole.
    for (const { mutated } of fc.sample(mutatedLog(), { seed: 11, numRuns: 50 })) {
      try {
        await replayLog(chunksOf(toJsonl(mutated)));
      } catch (error) {
        if (error instanceof ValidationError) throw error;
        if (!(error instanceof RejectedEventError)) throw error;
      }
    }
  });
});
