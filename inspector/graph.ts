import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { GraphState, GraphTransition, MachineGraph } from './protocol.js';

/** A machine's graph plus the lookup from XState's transition objects to graph ids. */
export interface MachineGraphIndex {
  graph: MachineGraph;
  /** Maps each of the machine's transition definitions to its {@link GraphTransition.id}. */
  idOf: Map<unknown, string>;
}

/**
 * Reads the statechart's states and transitions (eventless `always` ones included) from the
 * machine definition, so the inspector draws the machine truce runs, never a copy of it.
 *
 * @example
 * const { graph } = machineGraph(dealMachine);
 * graph.states.map((s) => s.path); // ['unopened', 'negotiating', 'negotiating.awaitingProposal', …]
 */
export function machineGraph(machine: AnyStateMachine): MachineGraphIndex {
  const states: GraphState[] = [];
  const transitions: GraphTransition[] = [];
  const idOf = new Map<unknown, string>();

  const add = (def: TransitionLike, source: string, event: string): void => {
    const id = `t${transitions.length}`;
    idOf.set(def, id);
    transitions.push({
      id,
      source,
      targets: (def.target ?? []).map((t) => pathOf(t)),
      event,
      guard: guardName(def.guard),
    });
  };

  const walk = (node: AnyStateNode, parent: string | null): void => {
    for (const child of Object.values(node.states) as AnyStateNode[]) {
      const path = pathOf(child);
      const childCount = Object.keys(child.states).length;
      states.push({
        path,
        key: child.key,
        parent,
        kind: child.type === 'final' ? 'final' : childCount > 0 ? 'compound' : 'atomic',
        initial: node.initial?.target.includes(child) ?? false,
      });
      for (const [event, defs] of child.transitions as Map<string, TransitionLike[]>) {
        for (const def of defs) add(def, path, event);
      }
      for (const def of (child.always ?? []) as TransitionLike[]) add(def, path, 'always');
      walk(child, path);
    }
  };
  walk(machine.root, null);
  return { graph: { id: machine.id, states, transitions }, idOf };
}

interface TransitionLike {
  target?: readonly AnyStateNode[] | undefined;
  guard?: unknown;
}

function pathOf(node: AnyStateNode): string {
  return node.path.join('.');
}

function guardName(guard: unknown): string | null {
  if (typeof guard === 'string') return guard;
  if (guard && typeof guard === 'object' && 'type' in guard && typeof guard.type === 'string') {
    return guard.type;
  }
  return null;
}
