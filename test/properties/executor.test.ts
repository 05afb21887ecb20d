import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { RejectedEventError, type TruceEvent } from '../../events/index.js';
import {
  compileChart,
  type DecidedEvent,
  dealMachine,
  explainRejection,
  statePath,
} from '../../machines/index.js';
import {
  evolveDealProjectionMany,
  initialDealProjection,
  toReport,
} from '../../projections/index.js';
import { Replayer } from '../../replay/index.js';
import { legalLog } from '../../testing/generator/legalLog.js';
import { ceasefireLog } from '../arbitraries/ceasefireLog.js';
import { mutatedLog } from '../arbitraries/mutatedLog.js';
import { checkProperty, propertyTimeout } from './settings.js';

/**
 * Runs `events` through the XState actor of the deal machine (the reference) and through
 * `Replayer`, which runs the executor derived from the machine's definition, side by side, and
 * throws at the first step where they differ: taken or refused, the transitions taken (XState's
 * own definitions, in order), the rule and sentence of a refusal, the state, the whole context,
 * the report, and the persisted snapshot. A refused
 * event is skipped by both and the log goes on, so a mutated log also tests the steps after a
 * refusal. Returns how many events both refused.
 */
function compareWithActor(events: readonly TruceEvent[]): number {
  /** The transitions of the actor's microsteps since the last event sent (XState's inspection). */
  let microsteps: unknown[] = [];
  const actor = createActor(dealMachine, {
    inspect: (inspection) => {
      if (inspection.type === '@xstate.microstep') microsteps.push(...inspection._transitions);
    },
  }).start();
  const replayer = new Replayer();
  // The machine alone (the inspector's): the same verdicts, states and transitions.
  const machineOnly = new Replayer({ project: false });
  const decided: DecidedEvent[] = [];
  let refused = 0;
  for (const event of events) {
    const before = actor.getSnapshot();
    microsteps = [];
    actor.send(event);
    const after = actor.getSnapshot();
    const where = `seq ${event.seq} (${event.type}) in ${statePath(before.value)}`;
    let taken: DecidedEvent | null = null;
    let rejection: RejectedEventError | null = null;
    const transitions: unknown[] = [];
    try {
      taken = replayer.apply(event, event.seq, transitions);
    } catch (error) {
      if (!(error instanceof RejectedEventError)) throw error;
      rejection = error;
    }
    const alone: unknown[] = [];
    let aloneRefused: string | null = null;
    try {
      machineOnly.apply(event, event.seq, alone);
    } catch (error) {
      if (!(error instanceof RejectedEventError)) throw error;
      aloneRefused = error.message;
    }
    if (
      aloneRefused !== (rejection?.message ?? null) ||
      machineOnly.state !== replayer.state ||
      alone.length !== transitions.length ||
      alone.some((t, i) => t !== transitions[i]) ||
      !isDeepStrictEqual(machineOnly.context, replayer.context)
    ) {
      throw new Error(`${where}: the machine alone differs from the replay`);
    }
    if (after === before) {
      if (rejection === null)
        throw new Error(`${where}: the actor refused it, the executor took it`);
      const path = statePath(before.value);
      const expected = explainRejection(path, before.context, event);
      if (rejection.rule !== expected.rule || rejection.state !== path) {
        throw new Error(
          `${where}: refused as ${rejection.rule} in ${rejection.state}, the actor's is ${expected.rule} in ${path}`,
        );
      }
      if (!rejection.message.endsWith(expected.message)) {
        throw new Error(
          `${where}: sentence "${rejection.message}", expected "${expected.message}"`,
        );
      }
      refused++;
    } else {
      if (rejection !== null) {
        throw new Error(`${where}: the actor took it, the executor refused: ${rejection.message}`);
      }
      if (after.status !== 'active') throw new Error(`${where}: the actor is ${after.status}`);
      decided.push({ event, resolution: after.context.resolution });
      if (!isDeepStrictEqual(taken, decided[decided.length - 1])) {
        throw new Error(`${where}: the resolutions differ`);
      }
    }
    // The very transitions XState took, by its own definitions, in order (none when refused).
    if (
      transitions.length !== microsteps.length ||
      transitions.some((t, i) => t !== microsteps[i])
    ) {
      throw new Error(
        `${where}: the executor took ${transitions.length} transitions, the actor ${microsteps.length} (or others)`,
      );
    }
    const state = statePath(actor.getSnapshot().value);
    if (replayer.state !== state) {
      throw new Error(`${where}: executor in ${replayer.state}, actor in ${state}`);
    }
    if (!isDeepStrictEqual(replayer.context, actor.getSnapshot().context)) {
      throw new Error(`${where}: the contexts differ`);
    }
    const reference = toReport(evolveDealProjectionMany(initialDealProjection, decided), {
      state,
    });
    if (!isDeepStrictEqual(replayer.report(), reference)) {
      throw new Error(`${where}: the reports differ`);
    }
  }
  if (!isDeepStrictEqual(replayer.snapshot().machine, actor.getPersistedSnapshot())) {
    throw new Error('the persisted snapshots differ');
  }
  return refused;
}

describe('the executor derived from the chart equals the XState actor (fast-check)', {
  timeout: propertyTimeout,
}, () => {
  it('on generated legal logs: the same state, context and report after every event', () => {
    checkProperty(
      'executor-equals-actor-legal',
      fc.property(legalLog({ maxEvents: 60 }), (events) => {
        if (compareWithActor(events) !== 0) throw new Error('a legal log was refused');
      }),
      (events) => events,
    );
  });

  it('on mutated logs: the same refusals (line, rule, sentence), and the same steps after them', () => {
    checkProperty(
      'executor-equals-actor-mutated',
      fc.property(mutatedLog(), ({ mutated }) => {
        compareWithActor(mutated);
      }),
      ({ mutated }) => mutated,
    );
  });

  it('on open-ended ceasefires with obligations: the same after every event', () => {
    checkProperty(
      'executor-equals-actor-ceasefire',
      fc.property(ceasefireLog, ({ events }) => {
        compareWithActor(events);
      }),
      ({ events }) => events,
    );
  });
});

describe('what the executor refuses to run', () => {
  it.each([
    ['entry actions', { initial: 'a', states: { a: { entry: () => undefined } } }],
    ['a parallel state', { type: 'parallel', states: { a: {}, b: {} } }],
    ['a final state', { initial: 'a', states: { a: { on: { go: 'b' } }, b: { type: 'final' } } }],
    ['a wildcard event', { initial: 'a', states: { a: { on: { '*': 'a' } } } }],
    ['a delayed transition', { initial: 'a', states: { a: { after: { 10: 'a' } } } }],
  ] as const)(
    'a chart with %s throws when compiled, instead of running differently',
    (_, config) => {
      expect(() => compileChart(createMachine(config as never))).toThrow(/does not run/);
    },
  );

  it('compiles the deal machine', () => {
    expect(compileChart(dealMachine).initial.path).toBe('unopened');
  });
});
