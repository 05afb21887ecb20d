import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { decodeEvent, type TruceEvent } from '../../events/index.js';
import {
  chartStates,
  dealMachine,
  eventsAccepted,
  nextEvents,
  statesAccepting,
} from '../../machines/index.js';
import type { EventInput } from '../../testing/index.js';
import { agreed, inPhase1, opened } from './fixtures.js';

// Expectations written from the README's chart, never from the code under test.
describe('the chart, read from the machine definition', () => {
  it('lists every state a snapshot can rest in', () => {
    expect(chartStates()).toEqual([
      'unopened',
      'negotiating.awaitingProposal',
      'negotiating.proposalOnTable',
      'negotiating.suspended',
      'agreed',
      'inPhase',
      'collapsed',
      'concluded',
    ]);
  });

  it('says which states take an event', () => {
    expect(statesAccepting('release.completed')).toEqual(['inPhase', 'concluded']);
    expect(statesAccepting('talks.resumed')).toEqual(['negotiating.suspended']);
    expect(statesAccepting('negotiation.opened')).toEqual(['unopened']);
    expect(statesAccepting('proposal.sent')).toEqual([
      'negotiating.awaitingProposal',
      'negotiating.proposalOnTable',
      'agreed',
      'inPhase',
      'collapsed',
    ]);
  });

  it('says which events a state takes, in the catalogue order', () => {
    expect(eventsAccepted('collapsed')).toEqual([
      'proposal.sent',
      'aid.delivered',
      'violation.reported',
      'hostages.counted',
      'remains.returned',
      'demand.stated',
      'forces.withdrawn',
      'talks.started',
    ]);
    // A permanent ceasefire ends the deal, not the world: what reopens nothing is still taken,
    // late remains of deceased hostages included.
    expect(eventsAccepted('concluded')).toEqual([
      'release.completed',
      'aid.delivered',
      'violation.reported',
      'hostages.counted',
      'flareup.reported',
      'ceasefire.restored',
      'remains.returned',
      'demand.stated',
      'forces.withdrawn',
      'talks.started',
    ]);
  });
});

function snapshotAfter(inputs: readonly EventInput[]) {
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
  return actor.getSnapshot();
}

describe('the next events', () => {
  it('in agreed: phase.started of the next phase is legal now', () => {
    const next = nextEvents(snapshotAfter(agreed));
    expect(next.map((n) => n.type)).toContain('phase.started');
    expect(next.find((n) => n.type === 'phase.started')?.now).toEqual({
      event: 'phase.started {"phase":1}',
      allowed: true,
    });
    expect(next.map((n) => n.type)).not.toContain('release.completed');
  });

  it('in a phase: completing it is refused by its rule until the hostages are released', () => {
    const next = nextEvents(snapshotAfter(inPhase1));
    expect(next.find((n) => n.type === 'phase.completed')?.now).toMatchObject({
      allowed: false,
      rule: 'phase.incomplete',
    });
    // Data the writer chooses is not judged ahead of time.
    expect(next.find((n) => n.type === 'release.completed')?.now).toBeNull();
  });

  it('while talks are open, suspending them is legal and resuming is not offered', () => {
    const next = nextEvents(snapshotAfter([opened]));
    expect(next.find((n) => n.type === 'talks.suspended')?.now).toMatchObject({ allowed: true });
    expect(next.map((n) => n.type)).not.toContain('talks.resumed');
  });
});
