import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { decodeEvent, type TruceEvent } from '../../events/index.js';
import { dealMachine, nextEvents } from '../../machines/index.js';
import type { EventInput } from '../../testing/index.js';
import { agreed, inPhase1, opened, release, resumed } from './fixtures.js';

// `truce replay LOG --next`: the events the state takes, and the machine's verdict on those
// whose data the deal fixes. Expectations from the README's chart and rules.

function actorAfter(inputs: readonly EventInput[]) {
  const actor = createActor(dealMachine).start();
  inputs.forEach((input, i) => {
    const decoded = decodeEvent({
      seq: i + 1,
      id: `e${i + 1}`,
      at: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
      ...input,
    });
    if (!decoded.ok) throw new Error(`event ${i + 1} is not valid`);
    actor.send(decoded.value as TruceEvent);
  });
  return actor;
}

const nowOf = (inputs: readonly EventInput[], type: string) =>
  nextEvents(actorAfter(inputs).getSnapshot()).find((n) => n.type === type)?.now;

const suspend: EventInput = { type: 'talks.suspended', data: { by: 'israel' } };

describe('the next events and the verdict now', () => {
  it('suspended talks: resuming them, by the first principal, is legal now', () => {
    expect(nowOf([opened, suspend], 'talks.resumed')).toEqual({
      event: 'talks.resumed {"by":"israel"}',
      allowed: true,
    });
  });

  it('an agreed pause: fighting may resume now; with no pause at all it may not', () => {
    expect(nowOf(agreed, 'hostilities.resumed')).toEqual({
      event: 'hostilities.resumed {"by":"israel"}',
      allowed: true,
    });
    expect(nowOf([opened], 'hostilities.resumed')).toMatchObject({
      event: 'hostilities.resumed {"by":"israel"}',
      allowed: false,
      rule: 'hostilities.noPause',
    });
  });

  it('a phase whose hostages are all released can be completed now, dated with the last event', () => {
    expect(nowOf([...inPhase1, release(50)], 'phase.completed')).toEqual({
      event: 'phase.completed {"phase":1}',
      allowed: true,
    });
  });

  it('the verdict is for an event dated as the last one: a back-dated last event dates it before the phase', () => {
    const backDated = {
      type: 'aid.delivered',
      at: '2023-12-31T00:00:00.000Z',
      data: { region: 'north', trucks: 10 },
    } as EventInput;
    expect(nowOf([...inPhase1, release(50), backDated], 'phase.completed')).toMatchObject({
      event: 'phase.completed {"phase":1}',
      allowed: false,
      rule: 'time.beforePhaseStart',
    });
  });

  it('in a phase no phase.started is offered, and an extension’s data is the writer’s', () => {
    const next = nextEvents(actorAfter([...inPhase1, release(50)]).getSnapshot());
    expect(next.find((n) => n.type === 'phase.started')).toBeUndefined();
    expect(next.find((n) => n.type === 'pause.extended')?.now).toBeNull();
  });

  it('after a collapse only a new proposal and the world’s facts are offered, none judged', () => {
    const next = nextEvents(actorAfter([...inPhase1, resumed]).getSnapshot());
    expect(next.map((n) => n.type)).toContain('proposal.sent');
    expect(next.map((n) => n.type)).not.toContain('hostilities.resumed');
    expect(next.every((n) => n.now === null)).toBe(true);
  });

  it('a stopped machine offers nothing', () => {
    const actor = actorAfter(agreed);
    actor.stop();
    expect(actor.getSnapshot().status).toBe('stopped');
    expect(nextEvents(actor.getSnapshot())).toEqual([]);
  });
});
