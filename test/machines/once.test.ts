import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { decodeEvent, type TruceEvent } from '../../events/index.js';
import { dealMachine } from '../../machines/index.js';
import type { EventInput } from '../../testing/index.js';
import { complete, extend, inPhase1, release, resumed, sent, start } from './fixtures.js';

/**
 * The context rules (the chart's `legal` guard) are checked at most once per event, whichever
 * transitions the state offers for it: a second check would be wasted work on every event of a
 * long log (issue 9: "checkEvent runs twice on phase.completed"). Counted through the machine's
 * public `provide`, which swaps a named guard for a wrapper around the same one.
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

/** Each event offered in turn: was it taken, and how many times were the rules checked. */
function checksPerEvent(inputs: readonly EventInput[]) {
  const { machine, calls } = countingChecks();
  const actor = createActor(machine).start();
  return inputs.map((input, i) => {
    const decoded = decodeEvent({
      seq: i + 1,
      id: `e${i + 1}`,
      at: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
      ...input,
    });
    if (!decoded.ok) throw new Error(`event ${i + 1} is not valid`);
    const before = actor.getSnapshot();
    calls.count = 0;
    actor.send(decoded.value as TruceEvent);
    return {
      type: input.type,
      taken: actor.getSnapshot() !== before,
      state: JSON.stringify(actor.getSnapshot().value),
      checks: calls.count,
    };
  });
}

describe('the rules are checked once per event', () => {
  it('every event of a deal to its conclusion, refused completions included', () => {
    const steps = checksPerEvent([
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
    ]);
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
    const steps = checksPerEvent([
      ...inPhase1,
      resumed,
      { type: 'hostilities.resumed', data: { by: 'hamas' } }, // refused: no pause any more
      sent('p2'),
      { type: 'talks.suspended', data: { by: 'hamas' } },
      { type: 'talks.resumed', data: { by: 'israel' } },
    ]);
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
});
