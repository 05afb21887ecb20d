import { describe, expect, it, vi } from 'vitest';
import type { AnyStateNode } from 'xstate';

/**
 * The chart's definition is evaluated once, when `machines/deal.ts` is first imported. Every
 * other test imports it at the top of its file, so a definition that throws (a compound state
 * without its initial state, a target naming an id that no longer exists) fails those files at
 * import, before any test runs; a tool that counts failing tests (StrykerJS does) sees none.
 * Here the module is imported afresh inside the test, so such a definition fails a test.
 */
async function freshChart() {
  vi.resetModules();
  const { dealMachine } = await import('../../machines/deal.js');
  return dealMachine;
}

/** Every state node of the chart, depth first. */
function nodesOf(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((child) => nodesOf(child))];
}

describe('the deal chart, evaluated inside a test', () => {
  it('starts unopened, and opening leads to negotiating with no proposal yet', async () => {
    const chart = await freshChart();
    const { createActor } = await import('xstate');
    const actor = createActor(chart).start();
    expect(actor.getSnapshot().value).toBe('unopened');
    actor.send({
      seq: 1,
      id: 'open',
      type: 'negotiation.opened',
      at: '2023-11-01T00:00:00Z',
      data: {
        title: 'November 2023 truce',
        parties: [
          { id: 'israel', role: 'principal' },
          { id: 'hamas', role: 'principal' },
          { id: 'qatar', role: 'mediator' },
        ],
      },
    } as never);
    expect(actor.getSnapshot().value).toEqual({ negotiating: 'awaitingProposal' });
    actor.stop();
  });

  it('resolves every transition target, `#deal.…` ids included, to a state of its own', async () => {
    const chart = await freshChart();
    const nodes = nodesOf(chart.root);
    const ids = new Set(nodes.map((n) => n.id));
    // The chart's states are addressed from its root, `deal`, as the README's state paths are.
    expect(ids).toContain('deal.negotiating.awaitingProposal');
    expect(ids).toContain('deal.agreed');
    let targets = 0;
    for (const node of nodes) {
      const transitions = [...node.transitions.values()].flat().concat(node.always ?? []);
      for (const t of transitions) {
        for (const target of t.target ?? []) {
          expect(ids).toContain(target.id);
          targets++;
        }
      }
    }
    expect(targets).toBeGreaterThan(10);
  });
});
