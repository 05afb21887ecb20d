import type { AnyStateNode } from 'xstate';
import { type EventType, eventTypes } from '../events/index.js';
import { dealMachine } from './deal.js';

/**
 * What the deal statechart's own definition says about events and states, read from its state
 * nodes, never restated by hand: when the chart changes, explanations and `--next` follow.
 */

/** Every state a snapshot can rest in, as dotted paths (`negotiating.suspended`), in chart order. */
export function chartStates(): string[] {
  const out: string[] = [];
  const walk = (node: AnyStateNode, path: string[]): void => {
    const children = Object.entries(node.states);
    if (children.length === 0) {
      out.push(path.join('.'));
      return;
    }
    for (const [key, child] of children) walk(child, [...path, key]);
  };
  walk(dealMachine.root, []);
  return out;
}

/** Whether the state at `path` (or one of its ancestors) has a transition for `type`. */
export function stateAccepts(path: string, type: string): boolean {
  const parts = path.split('.');
  for (let i = parts.length; i >= 0; i--) {
    const id = ['deal', ...parts.slice(0, i)].join('.');
    if (dealMachine.getStateNodeById(id).transitions.has(type)) return true;
  }
  return false;
}

/** The states that take `type`, as dotted paths in chart order. */
export function statesAccepting(type: string): string[] {
  return chartStates().filter((path) => stateAccepts(path, type));
}

/** The event types the state at `path` takes, in the catalogue's order. */
export function eventsAccepted(path: string): EventType[] {
  return eventTypes.filter((type) => stateAccepts(path, type));
}
