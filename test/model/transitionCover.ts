import { getAdjacencyMap } from '@xstate/graph';
import { type AnyTransitionDefinition, createActor, type SnapshotFrom } from 'xstate';
import type { TruceEvent } from '../../events/index.js';
import { type DealMachine, dealMachine, statePath } from '../../machines/index.js';
import { modelEvents, modelKey, modelTime } from './alphabet.js';

type DealSnapshot = SnapshotFrom<DealMachine>;

/** What a run of events through the machine took: state node ids and transition definitions. */
export interface Taken {
  states: Set<string>;
  transitions: Set<AnyTransitionDefinition>;
}

/** The ids of a state value's active nodes: `inPhase`, or `negotiating` and its child. */
export function activeStateIds(value: DealSnapshot['value']): string[] {
  const parts = statePath(value).split('.');
  return parts.map((_, i) => ['deal', ...parts.slice(0, i + 1)].join('.'));
}

/**
 * Sends `events` to a fresh actor from `from` (the initial state by default) and records every
 * transition each microstep took, `always` ones included, and every state entered.
 */
export function runTaking(events: readonly TruceEvent[], from?: DealSnapshot): Taken {
  const taken: Taken = { states: new Set(), transitions: new Set() };
  const actor = createActor(dealMachine, {
    ...(from ? { snapshot: dealMachine.getPersistedSnapshot(from) as DealSnapshot } : {}),
    inspect: (inspection) => {
      if (inspection.type !== '@xstate.microstep') return;
      for (const t of inspection._transitions) taken.transitions.add(t);
      const value = (inspection.snapshot as DealSnapshot).value;
      for (const id of activeStateIds(value)) taken.states.add(id);
    },
  });
  actor.start();
  for (const id of activeStateIds(actor.getSnapshot().value)) taken.states.add(id);
  for (const event of events) actor.send(event);
  actor.stop();
  return taken;
}

const ANY_TIME = new Set<string>(['aid.delivered', 'violation.reported', 'hostages.counted']);

/** The same events with seq 1..n, their ids and increasing times to match. */
function renumber(events: readonly TruceEvent[]): TruceEvent[] {
  return events.map((e, i) => ({ ...e, seq: i + 1, id: `gen-${i + 1}`, at: modelTime(i + 1) }));
}

/** Paths chosen to cover the chart, and the size of the graph they were chosen from. */
export interface CoverPlan {
  paths: TruceEvent[][];
  graphStates: number;
  graphEdges: number;
}

/**
 * Traverses the deal machine with `@xstate/graph` over the model's event alphabet and finite
 * key, then picks few paths that together take every transition the traversal found: a
 * candidate per kind of edge (the path to its source, then that edge), chosen greedily.
 *
 * Paths follow the traversal's breadth-first tree (the first concrete snapshot seen for each
 * key, reached by the events that first led there), so each path's events were built from the
 * very snapshot they are sent to: the seq and every count line up.
 */
export function planCover(): CoverPlan {
  const parents = new Map<string, { parent: string; event: TruceEvent } | null>();
  const adjacency = getAdjacencyMap(dealMachine, {
    events: (snapshot) => modelEvents(snapshot),
    serializeState: (snapshot, event, prev) => {
      const key = modelKey(snapshot);
      if (!parents.has(key)) {
        parents.set(key, prev && event ? { parent: modelKey(prev), event } : null);
      }
      return key;
    },
    limit: 1_000_000,
  });
  const pathTo = (key: string): TruceEvent[] => {
    const events: TruceEvent[] = [];
    for (let link = parents.get(key); link; link = parents.get(link.parent)) {
      events.unshift(link.event);
    }
    return events;
  };

  // One candidate edge per (source state, event type, target state), from the shallowest
  // source: that keeps the planning fast; the test measures coverage on the chosen paths.
  const edges: Array<{ key: string; event: TruceEvent }> = [];
  let graphEdges = 0;
  const byDepth = Object.entries(adjacency)
    .map(([key, node]) => ({ key, node, depth: pathTo(key).length }))
    .sort((a, b) => a.depth - b.depth);
  const signatures = new Set<string>();
  for (const { key, node } of byDepth) {
    for (const { event, state } of Object.values(node.transitions) as Array<{
      event: TruceEvent;
      state: DealSnapshot;
    }>) {
      graphEdges++;
      const signature = `${statePath(node.state.value)} ${event.type} ${statePath(state.value)}`;
      if (signatures.has(signature)) continue;
      signatures.add(signature);
      edges.push({ key, event });
    }
  }

  // Greedy set cover over whole paths: each round takes the path that adds the most
  // transitions not yet taken (the shorter one on a tie).
  // Before its last event, each path also takes the events any state accepts (aid, violations,
  // counts): they change nothing but the seq, so renumbering keeps the path legal.
  const candidates = edges.map((edge) => {
    const source = adjacency[edge.key as keyof typeof adjacency]?.state;
    const anyTime = source ? modelEvents(source).filter((e) => ANY_TIME.has(e.type)) : [];
    const path = renumber([...pathTo(edge.key), ...anyTime, edge.event]);
    return { path, takes: runTaking(path).transitions };
  });
  const covered = new Set<AnyTransitionDefinition>();
  const paths: TruceEvent[][] = [];
  for (;;) {
    let best: (typeof candidates)[number] | undefined;
    let bestGain = 0;
    for (const c of candidates) {
      let gain = 0;
      for (const t of c.takes) if (!covered.has(t)) gain++;
      if (
        gain > bestGain ||
        (gain === bestGain && gain > 0 && best && c.path.length < best.path.length)
      ) {
        best = c;
        bestGain = gain;
      }
    }
    if (!best) break;
    for (const t of best.takes) covered.add(t);
    paths.push(best.path);
  }
  return { paths, graphStates: Object.keys(adjacency).length, graphEdges };
}
