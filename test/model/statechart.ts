import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

/** One transition of a statechart, as the coverage counts it. */
export interface ChartTransition {
  /** `deal.inPhase --phase.completed#0--> deal.concluded` */
  key: string;
  definition: AnyTransitionDefinition;
}

/** Every state node of the machine below its root, by id (`deal.negotiating.suspended`). */
export function chartStates(machine: AnyStateMachine): string[] {
  const ids: string[] = [];
  const walk = (node: AnyStateNode): void => {
    for (const child of Object.values(node.states) as AnyStateNode[]) {
      ids.push(child.id);
      walk(child);
    }
  };
  walk(machine.root);
  return ids;
}

/**
 * Every transition of the machine, read from its definition. A transition is one entry of a
 * state node's `on` or `always` list: (source node, event type or `always`, position among the
 * guarded alternatives for that event, target or `self`). So a guarded `phase.completed` with
 * two alternatives counts twice, and an `on` inherited from a parent counts once, at the parent.
 */
export function chartTransitions(machine: AnyStateMachine): ChartTransition[] {
  const out: ChartTransition[] = [];
  const walk = (node: AnyStateNode): void => {
    for (const [type, list] of node.transitions as Map<string, AnyTransitionDefinition[]>) {
      list.forEach((definition, i) => {
        out.push({ key: transitionKey(node, type, i, definition), definition });
      });
    }
    (node.always ?? []).forEach((definition: AnyTransitionDefinition, i: number) => {
      out.push({ key: transitionKey(node, 'always', i, definition), definition });
    });
    for (const child of Object.values(node.states) as AnyStateNode[]) walk(child);
  };
  walk(machine.root);
  return out;
}

function transitionKey(
  node: AnyStateNode,
  type: string,
  index: number,
  definition: AnyTransitionDefinition,
): string {
  const targets = definition.target?.map((t: AnyStateNode) => t.id).join(',') || 'self';
  return `${node.id} --${type}#${index}--> ${targets}`;
}
