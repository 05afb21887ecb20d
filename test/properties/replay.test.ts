import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RejectedEventError, type TruceEvent } from '../../events/index.js';
import { Replayer, type ReplaySnapshot, replayLog } from '../../replay/index.js';
import { legalLog } from '../../testing/generator/legalLog.js';
import { type MutatedLog, mutatedLog } from '../arbitraries/mutatedLog.js';
import { DealModel } from './oracles/index.js';
import { rejectedFor, replayUntilRejected, ruleOf } from './rejection.js';
import { checkAsyncProperty, checkProperty, propertyTimeout, toJsonl } from './settings.js';

function replayAll(events: readonly TruceEvent[]): Replayer {
  const replayer = new Replayer();
  for (const event of events) replayer.apply(event);
  return replayer;
}

async function* chunksOf(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

describe('replay laws (fast-check)', { timeout: propertyTimeout }, () => {
  it('every generated legal log replays, in the state the README rules give after every event', () => {
    checkProperty(
      'legal-log-replays',
      fc.property(legalLog(), (events) => {
        const replayer = new Replayer();
        const model = new DealModel();
        for (const event of events) {
          replayer.apply(event);
          model.apply(event);
          if (replayer.state !== model.state) {
            throw new Error(
              `after seq ${event.seq} (${event.type}) the machine is in ${replayer.state}, the rules say ${model.state}`,
            );
          }
        }
        if (replayer.seq !== events.length) throw new Error('not every event was applied');
      }),
      (events) => events,
    );
  });

  it('a change that breaks a named rule is rejected at the changed line, with that rule; any other change replays or is rejected at or after it', () => {
    checkProperty(
      'mutated-log-rejected-by-the-broken-rule',
      fc.property(mutatedLog(), ({ mutated, line, breaks, kind }) => {
        const { rejection } = replayUntilRejected(mutated);
        if (breaks !== undefined) {
          if (!rejection)
            throw new Error(`${kind}: line ${line} breaks ${breaks}, but the log replays`);
          const at = rejection.position.line;
          if (at !== line || !rejectedFor(rejection, breaks)) {
            throw new Error(
              `${kind}: expected line ${line} rejected with ${breaks}, got line ${at} with ${ruleOf(rejection)}: ${rejection.message}`,
            );
          }
          return;
        }
        // A neutral change (a drop, a swap, a duplicate, a count or a party changed) may leave
        // the log legal; what it cannot do is make an earlier, untouched line illegal.
        if (rejection && rejection.position.line < line) {
          throw new Error(
            `${kind}: rejected at line ${rejection.position.line}, before the change at line ${line}: ${rejection.message}`,
          );
        }
      }),
      ({ mutated }: MutatedLog) => mutated,
    );
  });

  it('replay is deterministic: the same log gives byte-identical JSON', () => {
    checkProperty(
      'replay-deterministic',
      fc.property(legalLog(), (events) => {
        const a = JSON.stringify(replayAll(events).report());
        const b = JSON.stringify(replayAll(events).report());
        if (a !== b) throw new Error(`two replays differ:\n${a}\n${b}`);
      }),
      (events) => events,
    );
  });

  it('a log streamed from its bytes replays to the same JSON as its events applied in memory', async () => {
    await checkAsyncProperty(
      'replay-streamed-equals-direct',
      fc.asyncProperty(legalLog(), async (events) => {
        const { report } = await replayLog(chunksOf(toJsonl(events)));
        const direct = JSON.stringify(replayAll(events).report());
        if (JSON.stringify(report) !== direct) throw new Error('streamed replay differs');
      }),
      (events) => events,
    );
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

  it('a snapshot naming no state of the chart (a parent, an unknown one) is refused when read, not at the next event', () => {
    const snapshot = JSON.parse(JSON.stringify(replayAll([]).snapshot())) as ReplaySnapshot;
    expect(() => new Replayer({ from: snapshot })).not.toThrow();
    for (const value of ['nowhere', 'negotiating', { negotiating: 'nowhere' }, 7, {}]) {
      const from = { ...snapshot, machine: { ...(snapshot.machine as object), value } };
      expect(() => new Replayer({ from }), JSON.stringify(value)).toThrow(
        /expected a snapshot in a state of the deal chart/,
      );
    }
  });

  it("a snapshot whose state has other fields than this truce's (one missing, one more, another order) is refused when read", () => {
    const snapshot = JSON.parse(JSON.stringify(replayAll([]).snapshot())) as ReplaySnapshot;
    const projection = snapshot.projection as unknown as Record<string, unknown>;
    const machine = snapshot.machine as { context: Record<string, unknown> };
    const { flareUps: _dropped, ...missing } = projection;
    const reordered = Object.fromEntries(Object.entries(projection).reverse());
    const { phase: _phase, ...contextMissing } = machine.context;
    const changed: Array<[string, ReplaySnapshot]> = [
      ['a projection field missing', { ...snapshot, projection: missing as never }],
      [
        'a projection field more',
        { ...snapshot, projection: { ...projection, extra: 1 } as never },
      ],
      ['the projection reordered', { ...snapshot, projection: reordered as never }],
      [
        'a context field missing',
        { ...snapshot, machine: { ...machine, context: contextMissing } },
      ],
    ];
    for (const [what, from] of changed) {
      expect(() => new Replayer({ from }), what).toThrow(/the fields of this truce's state/);
    }
  });

  it('a mutated log streamed from its bytes ends as it does in memory: same report, or the same rejection', async () => {
    // Mutations keep the format, so the reader reads every line and the machine alone judges:
    // replayLog must reach the same verdict, at the same line, as the Replayer fed directly.
    await checkAsyncProperty(
      'mutated-log-streamed-equals-direct',
      fc.asyncProperty(mutatedLog(), async ({ mutated }) => {
        const direct = replayUntilRejected(mutated);
        let streamed: { report?: string; rejected?: string };
        try {
          streamed = {
            report: JSON.stringify((await replayLog(chunksOf(toJsonl(mutated)))).report),
          };
        } catch (error) {
          if (!(error instanceof RejectedEventError)) throw error;
          streamed = { rejected: `${error.position.line} ${ruleOf(error)} ${error.reason}` };
        }
        const expected = direct.rejection
          ? {
              rejected: `${direct.rejection.position.line} ${ruleOf(direct.rejection)} ${direct.rejection.reason}`,
            }
          : { report: JSON.stringify(direct.replayer.report()) };
        if (JSON.stringify(streamed) !== JSON.stringify(expected)) {
          throw new Error(
            `streamed ${JSON.stringify(streamed).slice(0, 300)}, in memory ${JSON.stringify(expected).slice(0, 300)}`,
          );
        }
      }),
      ({ mutated }) => mutated,
    );
  });
});
