import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { decodeEvent, type TruceEvent } from '../../events/index.js';
import { compileChart, type DealContext, dealMachine } from '../../machines/index.js';
import type { EventInput } from '../../testing/index.js';
import { complete, extend, inPhase1, release, resumed, sent, start } from './fixtures.js';

/**
 * The context rules (the chart's `legal` guard) are checked at most once per event, whichever
 * transitions the state offers for it: a second check would be wasted work on every event of a
 * long log (issue 9: "checkEvent runs twice on phase.completed"). Counted through the machine's
 * public `provide`, which swaps a named guard for a wrapper around the same one, on both runners
 * of the chart: the XState actor and the executor compiled from it that replay uses.
 */
function countingChecks() {
  const legal = dealMachine.implementations.guards.legal;
  if (typeof legal !== 'function') throw new Error('the chart has no legal guard to count');
  const calls = { count: 0 };
  const machine = dealMachine.provide({
    guards: {
      legal: (...args: Parameters<typeof legal>) => {
        calls.count++;
        return legal(...args);
      },
    },
  });
  return { machine, calls };
}

type Runner = 'actor' | 'executor';

/** Sends events to a fresh run of `machine`; returns whether each was taken and the state after. */
function runnerOf(kind: Runner, machine: typeof dealMachine) {
  if (kind === 'actor') {
    const actor = createActor(machine).start();
    return (event: TruceEvent) => {
      const before = actor.getSnapshot();
      actor.send(event);
      const after = actor.getSnapshot();
      return { taken: after !== before, state: JSON.stringify(after.value) };
    };
  }
  const chart = compileChart<DealContext, TruceEvent>(machine);
  let state = chart.initial;
  return (event: TruceEvent) => {
    const after = chart.send(state, event);
    if (after !== null) state = after;
    return { taken: after !== null, state: JSON.stringify(chart.valueOf(state.path)) };
  };
}

/** Each event offered in turn: was it taken, and how many times were the rules checked. */
function checksPerEvent(inputs: readonly EventInput[], kind: Runner) {
  const { machine, calls } = countingChecks();
  const send = runnerOf(kind, machine);
  return inputs.map((input, i) => {
    const decoded = decodeEvent({
      seq: i + 1,
      id: `e${i + 1}`,
      at: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
      ...input,
    });
    if (!decoded.ok) throw new Error(`event ${i + 1} is not valid`);
    calls.count = 0;
    const { taken, state } = send(decoded.value as TruceEvent);
    return { type: input.type, taken, state, checks: calls.count };
  });
}

describe.each(['actor', 'executor'] as const)(
  'the rules are checked once per event (%s)',
  (kind) => {
    it('every event of a deal to its conclusion, refused completions included', () => {
      const steps = checksPerEvent(
        [
          ...inPhase1,
          complete(1), // refused: nothing released (does not conclude)
          complete(2), // refused: phase 1 is in progress (phase 2 would conclude)
          release(50),
          extend(1, 10),
          release(10),
          complete(1), // taken: back to negotiating
          start(2),
          complete(2), // refused: would conclude, but no soldier is released
          release(20, 2, 'soldiers'),
          complete(2), // taken: concludes the deal
        ],
        kind,
      );
      expect(steps.map((s) => [s.type, s.taken])).toEqual([
        ['negotiation.opened', true],
        ['proposal.sent', true],
        ['proposal.accepted', true],
        ['proposal.accepted', true],
        ['phase.started', true],
        ['phase.completed', false],
        ['phase.completed', false],
        ['release.completed', true],
        ['pause.extended', true],
        ['release.completed', true],
        ['phase.completed', true],
        ['phase.started', true],
        ['phase.completed', false],
        ['release.completed', true],
        ['phase.completed', true],
      ]);
      expect(steps.at(-1)?.state).toBe('"concluded"');
      for (const step of steps) expect(step, `${step.type}`).toMatchObject({ checks: 1 });
    });

    it('fighting, talks and a new proposal after a collapse', () => {
      const steps = checksPerEvent(
        [
          ...inPhase1,
          resumed,
          { type: 'hostilities.resumed', data: { by: 'hamas' } }, // refused: no pause any more
          sent('p2'),
          { type: 'talks.suspended', data: { by: 'hamas' } },
          { type: 'talks.resumed', data: { by: 'israel' } },
        ],
        kind,
      );
      expect(steps.map((s) => s.taken)).toEqual([
        true,
        true,
        true,
        true,
        true,
        true,
        false,
        true,
        true,
        true,
      ]);
      // A refusal the chart makes alone (no pause holds while negotiating) checks nothing.
      expect(steps.map((s) => s.checks)).toEqual([1, 1, 1, 1, 1, 1, 0, 1, 1, 1]);
    });
  },
);
